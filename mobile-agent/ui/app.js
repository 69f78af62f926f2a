// The crew's screen, served by patrol-agent serve from the device itself.
// Everything shown comes from the agent's own database (/api/...), so it
// works with no network; every action is recorded in the outbox at once
// and shows 「送信待ち」 until a sync brings the server's acknowledgement.
// Server text goes in through textContent only. Words: i18n.js (the
// shared terms from the one glossary, the screen's own beside them).
import { t, has, label, pick, getLang, setLang, translate } from './i18n.js';

const view = document.getElementById('view');
let state = null; // /api/state
let timer = null;
let cleanup = null;
let lastSig = null; // what the current view was drawn from
const KEEP = Symbol('keep');

// KEEP when the data is what the view shows already.
function same(data) {
  const sig = (location.hash || '#/jobs') + JSON.stringify(data);
  if (sig === lastSig) return true;
  lastSig = sig;
  return false;
}

// ---- helpers -----------------------------------------------------------

function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

async function api(method, path, body, raw) {
  const opt = { method, credentials: 'same-origin', headers: {} };
  if (raw) {
    opt.body = raw;
    opt.headers['Content-Type'] = raw.type || 'application/octet-stream';
  } else if (body !== undefined) {
    opt.body = JSON.stringify(body);
    opt.headers['Content-Type'] = 'application/json';
  }
  const r = await fetch('/api' + path, opt);
  const j = await r.json().catch(() => ({}));
  if (!r.ok) {
    const e = new Error((j.error && j.error.message) || ('HTTP ' + r.status));
    e.detail = j.error && j.error.detail;
    throw e;
  }
  return j;
}

function zone() {
  return (state && state.time_zone) || 'Asia/Tokyo';
}

// Local time in the service's zone (sent by the server in sync settings).
function fmtTime(ms, withDate) {
  if (!ms) return '—';
  const o = { timeZone: zone(), hour: '2-digit', minute: '2-digit', hour12: false };
  if (withDate) { o.month = 'numeric'; o.day = 'numeric'; }
  return new Intl.DateTimeFormat(getLang() === 'en' ? 'en-GB' : 'ja-JP', o).format(new Date(ms));
}

function fmtDue(iso) {
  if (!iso) return null;
  const t = Date.parse(iso);
  return isNaN(t) ? iso : fmtTime(t, true);
}

function fmtDistance(m) {
  if (m === null || m === undefined) return t('dist.unknown');
  return m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`;
}

function toast(text, bad) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.className = 'toast' + (bad ? ' bad' : '');
  t.hidden = false;
  clearTimeout(toast.t);
  toast.t = setTimeout(() => { t.hidden = true; }, 4000);
}

// A job's state in words: the glossary's (as the console says it).
const stateName = (st) => t('state.' + st);
// The life cycle is the server's (lifecycle.c, sent with every sync):
// which steps a job's state allows. Before the first sync: none.
const lifecycle = () => (state && state.lifecycle) || { sets: {}, actions: {} };
const allows = (action, st) => {
  const a = lifecycle().actions[action];
  return !!a && a.from.includes(st) && a.roles.includes('crew');
};
const isOpen = (st) => (lifecycle().sets.active || []).includes(st);
// What the history lists: the crew's steps (the glossary's words) and
// the patrol's.
const WHAT = {
  accept: 'action.accept', en_route: 'action.en_route', on_site: 'action.on_site', reject: 'action.reject',
  unable: 'action.unable', 'patrol:start': 'what.patrol_start', 'patrol:stop': 'what.patrol_stop',
};
// The next step: one big button, the first of these the state allows.
const STEPS = ['accept', 'en_route', 'on_site', 'done'].map((action) => ({ action, key: 'action.' + action }));
const nextStep = (st) => STEPS.find((x) => allows(x.action, st));
// One character in a box (no emoji font on every handheld): the
// glossary's glyph.CODE, as the console marks the category, or the first
// character of its name.
const icon = (j) => (has('glyph.' + j.category) ? t('glyph.' + j.category) : (j.category_name_ja || j.category || '他').slice(0, 1));
// Fixed phrases and reasons (i18n.js keys): what goes into the record is
// the words as shown.
const NOTE_PHRASES = ['phrase.explained', 'phrase.no_nest', 'phrase.card', 'phrase.revisit', 'phrase.secured', 'phrase.photo'];
const REASONS = ['reason.height', 'reason.not_ours', 'reason.no_access', 'reason.other_area', 'reason.short'];

function whatName(what, outcomes, cats) {
  if (!what) return t('what.record');
  if (WHAT[what]) return t(WHAT[what]);
  const [kind, code] = what.split(':');
  if (kind === 'done') {
    const o = (outcomes || []).find((x) => x.code === code);
    return t('what.done', { o: o ? pick(o) : code });
  }
  if (kind === 'finding') {
    const c = (cats || []).find((x) => x.code === code);
    return t('what.finding', { c: c ? pick(c) : code });
  }
  return what;
}

function badge(item) {
  if (item.pending) return h('span', { class: 'badge pending', text: t('badge.pending') });
  if (item.status === 'conflict' || item.status === 'rejected')
    return h('span', { class: 'badge refused', text: t('badge.refused', { m: item.message || item.status }) });
  return h('span', { class: 'badge sent', text: t('badge.sent', { t: fmtTime(item.acked_ms) }) });
}

// Why the server refused a photo, in words (its own reason beside them).
function photoWhy(reason) {
  if (/checksum_mismatch/.test(reason)) return t('photo.why.damaged');
  if (/not_an_image/.test(reason)) return t('photo.why.not_image');
  if (/too_large|beyond_length/.test(reason)) return t('photo.why.too_large');
  if (/copy is missing/.test(reason)) return t('photo.why.missing');
  return t('err.refused');
}

// Photos the server refused for good (sync_photo.c gave them up).
function photosRefused(id, photos, outcomes) {
  if (!photos.length) return null;
  return h('div', {}, h('h2', { text: t('status.photos_refused') }),
    h('ul', { id }, photos.map((p) => h('li', { 'data-sha256': p.sha256, text: t('photo.refused', {
      w: whatName(p.what, p.outcomes || outcomes), j: p.job ? t('status.refused.job', { j: p.job }) : '',
      why: photoWhy(p.reason), m: p.reason }) }))));
}

function history(items, outcomes, cats) {
  return h('ol', { class: 'history', id: 'history' }, items.map((x) =>
    h('li', { 'data-what': x.what, 'data-pending': x.pending ? '1' : '0' },
      `${fmtTime(x.created_ms)} ${whatName(x.what, outcomes, cats)} `, badge(x))));
}

// Answers in words: the category's questions name the codes.
function answersInWords(answers, questions) {
  const out = [];
  for (const [code, value] of Object.entries(answers || {})) {
    const q = (questions || []).find((x) => x.code === code);
    let v = Array.isArray(value) ? value : [value];
    if (q && Array.isArray(q.values))
      v = v.map((k) => { const o = q.values.find((x) => x.key === k); return o ? pick(o) || k : k; });
    out.push([q ? pick(q) || code : code, v.join(getLang() === 'en' ? ', ' : '、')]);
  }
  return out;
}

// The view's content (null and nested lists allowed, as in h()).
function show(...kids) {
  view.replaceChildren(...kids.flat(Infinity).filter((k) => k !== null && k !== undefined && k !== false));
}

// ---- maps --------------------------------------------------------------

// Leaflet on a plain background: no tiles are reachable offline, so the
// map says so and draws the points, track and pieces alone.
function makeMap(el, opts) {
  if (!window.L) {
    el.append(h('p', { class: 'nomap', text: t('map.none') }));
    return null;
  }
  const m = L.map(el, { zoomControl: false, attributionControl: false, tap: true });
  if (state && state.tiles) {
    // Tiles kept on the device (patrol-agent tiles fetch); where there
    // are none the background stays plain.
    L.tileLayer('/tiles/{z}/{x}/{y}.png', { minZoom: 0, maxZoom: 19 }).addTo(m);
    el.append(h('span', { class: 'nomap tiles', text: t('map.device') + (state.tiles_credit ? ` ${state.tiles_credit}` : '') }));
  } else {
    el.append(h('span', { class: 'nomap', text: t('map.offline') }));
  }
  m.setView(opts && opts.center ? opts.center : [35.61, 139.56], 15);
  return m;
}

function fit(m, layers, here) {
  if (!m) return;
  const pts = [];
  for (const l of layers) {
    if (l.getLatLng) pts.push(l.getLatLng());
    else if (l.getLatLngs) pts.push(...l.getLatLngs().flat(2));
  }
  if (here) pts.push(L.latLng(here.lat, here.lon));
  if (pts.length === 1) m.setView(pts[0], 16);
  else if (pts.length > 1) m.fitBounds(L.latLngBounds(pts), { padding: [20, 20], maxZoom: 17 });
}

function hereMarker(m) {
  if (!m || !state || !state.position) return null;
  return L.circleMarker([state.position.lat, state.position.lon],
    { radius: 9, color: '#003b8e', fillColor: '#003b8e', fillOpacity: 1 }).addTo(m).bindTooltip(t('map.here'));
}

// ---- the always visible sync state ---------------------------------------

function errorInWords(e) {
  if (!e) return null;
  if (/revoked|401/.test(e)) return t('err.revoked');
  if (/not enrolled/.test(e)) return t('err.not_enrolled');
  if (/connect|resolve|Timeout|timed out|refused|reset|Recv failure|Send failure|returned nothing|receiving data|sending data/i.test(e))
    return t('err.connect');
  if (/HTTP 5\d\d/.test(e)) return t('err.server');
  if (/HTTP 4\d\d/.test(e)) return t('err.refused');
  return t('err.sync');
}

function drawSync() {
  const p = document.getElementById('sync-pending');
  p.textContent = t('sync.pending', { n: state.pending });
  p.className = 'pill' + (state.pending === 0 ? ' zero' : '');
  document.getElementById('sync-last').textContent = state.syncing
    ? t('sync.running') : t('sync.last', { t: state.last_sync_ms ? fmtTime(state.last_sync_ms) : '—' });
  const off = !state.revoked && (state.failures > 0 || !!state.last_error) ;
  document.getElementById('offline-banner').hidden = !off;
  document.getElementById('revoked-banner').hidden = !state.revoked &&
    !/revoked/.test(state.last_error || '');
}

async function refreshState() {
  try {
    state = await api('GET', '/state');
    drawSync();
  } catch (e) {
    // The agent itself is gone: nothing to record into.
    document.getElementById('sync-last').textContent = t('agent.gone');
  }
}

document.getElementById('sync-now').addEventListener('click', async () => {
  await api('POST', '/sync', {});
  toast(t('sync.sending'));
  refreshState();
});

// ---- today's jobs ------------------------------------------------------

async function jobsView() {
  const { jobs } = await api('GET', '/jobs');
  if (same([jobs, state && state.position])) return KEEP;
  const open = jobs.filter((j) => isOpen(j.state));
  const planned = open.some((j) => j.plan_pos !== null);
  const mapEl = h('div', { class: 'map', id: 'jobs-map' });
  show(
    h('h1', { text: t('jobs.title', { n: open.length }) }),
    h('p', { class: 'order', id: 'jobs-order', 'data-plan': planned ? '1' : '0',
      text: planned ? t('jobs.order.plan') : t('jobs.order.none') }),
    mapEl,
    h('ul', { class: 'list', id: 'jobs' }, jobs.map((j, i) => h('li', {
      class: 'job' + (isOpen(j.state) ? '' : ' closed'), 'data-id': j.id, 'data-state': j.state, 'data-plan': j.plan_pos,
    }, h('a', { href: `#/jobs/${j.id}` },
      h('div', { class: 'top' },
        h('span', {}, h('span', { class: 'icon', 'aria-hidden': 'true', text: icon(j) }),
          `${i + 1}. ${pick(j, 'category_name') || j.category}`),
        h('span', { class: `pri pri-${j.priority}`, text: t('prio.' + j.priority) })),
      h('div', { text: j.address || t('job.noaddress') }),
      j.expected_from_ms && isOpen(j.state) ? h('div', { class: 'eta',
        text: t('job.eta', { a: fmtTime(j.expected_from_ms), b: fmtTime(j.expected_to_ms || j.expected_from_ms) }) }) : null,
      h('div', {}, stateName(j.state),
        j.due ? t('job.promise', { t: fmtDue(j.due) }) : '', (getLang() === 'en' ? ' · ' : ' ・ ') + fmtDistance(j.distance_m),
        j.pending > 0 ? h('span', { class: 'badge pending', text: t('badge.pending.n', { n: j.pending }) }) : null))))),
    jobs.length === 0 ? h('p', { text: t('jobs.none') }) : null);
  const m = makeMap(mapEl);
  if (m) {
    const layers = jobs.filter((j) => j.lat !== null && isOpen(j.state)).map((j, i) =>
      L.circleMarker([j.lat, j.lon], { radius: 10, color: '#000', fillColor: j.priority === 1 ? '#b00000' : '#ffd400', fillOpacity: 1 })
        .addTo(m).bindTooltip(String(i + 1), { permanent: true }));
    const here = hereMarker(m);
    fit(m, layers, here ? state.position : null);
    return () => m.remove();
  }
  return null;
}

// ---- a job ---------------------------------------------------------------

let photoIds = [];

// A camera's photo in 256 kB parts: the agent holds one part at a time,
// never the whole photo (its memory stays small on the device).
const PHOTO_PART = 256 * 1024;

async function sendPhoto(f) {
  let r = null;
  for (let off = 0; off === 0 || off < f.size; off += PHOTO_PART) {
    const last = off + PHOTO_PART >= f.size ? '&last=1' : '';
    const path = '/photos' + (r ? '/' + r.photo : '') + '?offset=' + off + last;
    r = await api('POST', path, undefined, f.slice(off, off + PHOTO_PART, f.type));
  }
  return r;
}

function photoInput(list) {
  const thumbs = h('div', { class: 'thumbs' });
  const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', id: 'photo' });
  input.addEventListener('change', async () => {
    for (const f of input.files) {
      try {
        const r = await sendPhoto(f);
        list.push(r.photo);
        thumbs.append(h('img', { src: URL.createObjectURL(f), alt: t('photo') }));
      } catch (e) {
        toast(t('photo.failed', { m: e.message }), true);
      }
    }
    input.value = '';
  });
  return h('div', {}, h('label', { class: 'file' }, t('photo.take'), input), thumbs);
}

// The longest text the handheld records in a field of this kind (note,
// reason, description, address: /api/state's limits, the server's).
const limit = (kind) => String(state.limits[kind]);

function noteInput(kind) {
  const ta = h('textarea', { id: 'note', rows: 3, maxlength: limit(kind), placeholder: t('note.placeholder') });
  const sep = getLang() === 'en' ? '; ' : '、';
  return h('div', {},
    h('div', { class: 'phrases' }, NOTE_PHRASES.map((k) => t(k)).map((p) => h('button', {
      type: 'button', class: 'phrase', onclick: () => { ta.value = ta.value ? ta.value + sep + p : p; },
    }, p))), ta);
}

function questionInputs(questions, answers) {
  return (questions || []).filter((q) => Array.isArray(q.values) && q.values.length > 0).map((q) =>
    h('label', {}, h('strong', { text: pick(q) || q.code }),
      h('select', { 'data-q': q.code, id: 'q-' + q.code },
        h('option', { value: '', text: t('q.unanswered') }),
        q.values.map((v) => h('option', { value: v.key, text: pick(v) || v.key,
          selected: answers && answers[q.code] === v.key })))));
}

function collectAnswers(root) {
  const out = {};
  for (const s of root.querySelectorAll('select[data-q]')) if (s.value) out[s.dataset.q] = s.value;
  return out;
}

async function act(path, body, okText) {
  try {
    await api('POST', path, body);
    toast(t('act.pending', { m: okText }));
    await refreshState();
    return true;
  } catch (e) {
    toast(`${e.message}${e.detail ? '：' + e.detail : ''}`, true);
    return false;
  }
}

function finishForm(job, again) {
  photoIds = [];
  const form = h('form', { id: 'done-form' },
    h('h2', { text: t('done.title') }),
    h('fieldset', { id: 'outcomes' }, h('legend', { text: t('done.outcome') }),
      job.outcomes.map((o) => h('label', { class: 'choice' },
        h('input', { type: 'radio', name: 'outcome', value: o.code }), pick(o) || o.code))),
    h('h2', { text: t('done.questions') }), ...questionInputs(job.questions, job.answers),
    h('h2', { text: t('done.notes') }), noteInput('note'),
    h('h2', { text: t('photo') }), photoInput(photoIds),
    h('button', { type: 'submit', class: 'primary', id: 'done-submit' }, t('done.submit')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const o = form.querySelector('input[name=outcome]:checked');
    if (!o) { toast(t('done.choose'), true); return; }
    if (await act(`/jobs/${job.id}/done`, { outcome: o.value, note: form.querySelector('#note').value,
      photos: photoIds, answers: collectAnswers(form) }, t('done.recorded'))) { photoIds = []; again(); }
  });
  return form;
}

function reasonForm(job, action, again) {
  const name = label('action.' + action);
  const sel = h('select', { id: 'reason' }, h('option', { value: '', text: t('reason.choose') }),
    REASONS.map((k) => t(k)).map((r) => h('option', { value: r, text: r })));
  const extra = h('input', { type: 'text', id: 'reason-extra', maxlength: limit('reason'), placeholder: t('reason.extra') });
  const form = h('form', { id: 'reason-form', 'data-action': action }, h('h2', { text: t('reason.title', { a: name }) }), sel, extra,
    h('button', { type: 'submit', class: 'danger', id: 'reason-submit' }, t('reason.submit', { a: name })));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const reason = [sel.value, extra.value].filter(Boolean).join(getLang() === 'en' ? ': ' : '：');
    if (!reason) { toast(t('reason.missing'), true); return; }
    if (await act(`/jobs/${job.id}/step`, { action, reason }, t('act.recorded', { a: name }))) again();
  });
  return form;
}

async function jobView(id) {
  const job = await api('GET', `/jobs/${id}`);
  if (same(job)) return KEEP;
  const again = () => route();
  const next = nextStep(job.state);
  const mapEl = h('div', { class: 'map', id: 'job-map' });
  const pending = job.history.filter((x) => x.pending).length;
  const area = h('div', { id: 'job-action' });
  if (next && next.action !== 'done') {
    area.append(h('button', { class: 'primary', id: 'job-step', 'data-action': next.action,
      onclick: async (ev) => {
        ev.target.disabled = true;
        if (await act(`/jobs/${id}/step`, { action: next.action }, t('act.recorded', { a: label(next.key) }))) again();
        else ev.target.disabled = false;
      } }, label(next.key)));
  } else if (next) {
    area.append(finishForm(job, again));
  } else {
    area.append(h('p', { id: 'job-closed', text: t('job.closed', { s: stateName(job.state) }) }));
  }
  const answers = answersInWords(job.answers, job.questions);
  show(
    h('h1', {}, h('span', { class: 'icon', text: icon(job) }), h('span', { id: 'job-category', text: pick(job, 'category_name') || job.category })),
    h('p', {}, h('span', { class: `pri pri-${job.priority}`, text: t('prio.' + job.priority) }), ' ',
      h('strong', { id: 'job-state', 'data-state': job.state, text: stateName(job.state) }),
      pending ? h('span', { class: 'badge pending', id: 'job-pending', text: t('badge.pending.n', { n: pending }) }) : null),
    h('dl', { class: 'kv' },
      h('dt', { text: t('job.place') }), h('dd', { text: job.address || t('job.noaddress') }),
      h('dt', { text: t('job.promised') }), h('dd', { text: job.due ? t('job.promised.by', { t: fmtDue(job.due) }) : '—' }),
      h('dt', { text: t('job.what') }), h('dd', { text: job.description || '—' })),
    mapEl,
    answers.length ? h('div', {}, h('h2', { text: t('detail.answers') }),
      h('dl', { class: 'kv', id: 'answers' }, answers.map(([q, a]) => [h('dt', { text: q }), h('dd', { text: a })]))) : null,
    job.callers.length ? h('div', { id: 'callers' }, h('h2', { text: t('job.callers') }),
      job.callers.map((c) => h('p', {}, c.name || t('job.noname'), ' ',
        c.phone ? h('a', { class: 'tel button', href: 'tel:' + c.phone, text: '📞 ' + c.phone }) : null))) : null,
    area,
    allows('unable', job.state) ? h('details', {}, h('summary', { class: 'button', id: 'unable-open', text: label('action.unable') }),
      reasonForm(job, 'unable', again)) : null,
    allows('reject', job.state) ? h('details', {}, h('summary', { class: 'button', id: 'reject-open', text: label('action.reject') }),
      reasonForm(job, 'reject', again)) : null,
    h('h2', { text: t('job.history') }), history(job.history, job.outcomes),
    photosRefused('job-photos-refused', job.photos_refused, job.outcomes));
  const m = makeMap(mapEl);
  if (m && job.lat !== null) {
    const mk = L.circleMarker([job.lat, job.lon], { radius: 12, color: '#000', fillColor: '#ffd400', fillOpacity: 1 }).addTo(m);
    const here = hereMarker(m);
    fit(m, [mk], here ? state.position : null);
  }
  return m ? () => m.remove() : null;
}

// ---- patrol --------------------------------------------------------------

async function patrolView() {
  const p = await api('GET', '/patrol');
  const cats = p.categories || [];
  const mapEl = h('div', { class: 'map big', id: 'patrol-map' });
  let tapped = null;
  photoIds = [];
  const catSel = h('select', { id: 'finding-category' }, h('option', { value: '', text: t('finding.category') }),
    cats.map((c) => h('option', { value: c.code, text: pick(c) || c.code })));
  const qs = h('div', { id: 'finding-questions' });
  catSel.addEventListener('change', () => {
    const c = cats.find((x) => x.code === catSel.value);
    qs.replaceChildren(...questionInputs(c ? c.questions : []));
  });
  const where = h('p', { id: 'finding-where', text: t('finding.where.here') });
  // The address: the nearest town or block the device knows (sent by the
  // server once a day), filled in for the position and changeable.
  const addr = h('input', { type: 'text', id: 'finding-address', maxlength: limit('address'), autocomplete: 'off',
    placeholder: t('finding.address.placeholder'), 'data-edited': '0' });
  addr.addEventListener('input', () => { addr.dataset.edited = '1'; });
  const addrHint = h('small', { id: 'finding-address-hint' });
  const fillAddress = async (ll) => {
    if (addr.dataset.edited === '1') return;
    try {
      const r = await api('GET', ll ? `/place?lat=${ll.lat}&lon=${ll.lng}` : '/place');
      if (addr.dataset.edited === '1') return;
      addr.value = r.name || '';
      addrHint.textContent = r.name ? t('finding.address.filled') : t('finding.address.none');
    } catch (e) { /* the agent restarts: left empty */ }
  };
  fillAddress(null);
  const form = h('form', { id: 'finding-form' }, h('h2', { text: t('finding.title') }), catSel, qs, where,
    h('label', { class: 'field' }, t('finding.address') + ' ', addr), addrHint,
    noteInput('description'), photoInput(photoIds), h('button', { type: 'submit', class: 'primary', id: 'finding-submit' }, t('finding.submit')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!catSel.value) { toast(t('finding.choose'), true); return; }
    const body = { category: catSel.value, note: form.querySelector('#note').value, photos: photoIds,
      answers: collectAnswers(form) };
    if (addr.value.trim()) body.address = addr.value.trim();
    if (tapped) { body.lat = tapped.lat; body.lon = tapped.lng; }
    if (await act('/findings', body, t('finding.recorded'))) { photoIds = []; route(); }
  });
  show(
    h('h1', { text: p.running ? t('patrol.running') : t('patrol.title') }),
    h('button', { class: p.running ? 'primary danger' : 'primary', id: 'patrol-toggle', 'data-running': p.running ? '1' : '0',
      onclick: async () => {
        if (await act('/patrol', { action: p.running ? 'stop' : 'start' }, p.running ? t('patrol.stopped') : t('patrol.started'))) route();
      } }, p.running ? t('patrol.stop') : t('patrol.start')),
    h('p', { id: 'track-count', text: t('patrol.track', { n: p.points.length }) + (state && state.position ? '' : t('patrol.nogps')) }),
    mapEl, form,
    h('h2', { text: t('patrol.history') }), history(p.history, [], cats));
  const m = makeMap(mapEl);
  if (!m) return null;
  const here = hereMarker(m);
  fit(m, p.points.length ? [L.polyline(p.points)] : [], here ? state.position : null);
  // The track grows as the fixes come: redrawn, the form left alone.
  const line = L.polyline(p.points, { color: '#b00000', weight: 5 }).addTo(m);
  const poll = setInterval(async () => {
    try {
      const q = await api('GET', '/patrol');
      line.setLatLngs(q.points);
      view.querySelector('#track-count').textContent = t('patrol.track', { n: q.points.length });
      view.querySelector('#history').replaceWith(history(q.history, [], cats));
    } catch (e) { /* the agent restarts: the next poll */ }
  }, 3000);
  let mk = null;
  m.on('click', (e) => {
    tapped = e.latlng;
    if (mk) mk.remove();
    mk = L.marker(e.latlng).addTo(m);
    where.textContent = t('finding.where.map', { lat: e.latlng.lat.toFixed(5), lon: e.latlng.lng.toFixed(5) });
    fillAddress(e.latlng);
  });
  return () => { clearInterval(poll); m.remove(); };
}

// ---- the way back --------------------------------------------------------

// OSM classes as the crews say them (i18n.js class.*).
const className = (c) => (c ? (t('class.' + c) === 'class.' + c ? c : t('class.' + c)) : '');
// '神奈川県川崎市麻生区' → '麻生区'
function wardShort(name) {
  const m = name && name.match(/市(.+区)$/);
  return m ? m[1] : name;
}

async function waybackView() {
  const w = await api('GET', '/wayback');
  const mapEl = h('div', { class: 'map big', id: 'wayback-map' });
  // By road or river name, then ward.
  const groups = new Map();
  for (const p of w.pieces || []) {
    const key = `${p.name || t('wayback.unnamed')}（${wardShort(p.ward_name) || p.ward_code || t('wayback.noward')}）`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(p);
  }
  const take = h('button', { class: 'primary', id: 'wayback-take', onclick: async () => {
    const ids = [...view.querySelectorAll('input[name=piece]:checked')].map((x) => Number(x.value));
    if (!ids.length) { toast(t('wayback.choose'), true); return; }
    if (await act('/wayback/take', { pieces: ids }, t('wayback.taken', { n: ids.length }))) location.hash = '#/patrol';
  } }, t('wayback.take'));
  show(
    h('h1', { text: t('wayback.title') }),
    h('p', { class: 'muted', id: 'wayback-fetched', text: w.fetched_ms
      ? t('wayback.fetched', { m: Math.round(w.within_m || 0), overdue: t('coverage.overdue'), t: fmtTime(w.fetched_ms, true) })
      : t('wayback.never') }),
    h('button', { id: 'wayback-refresh', onclick: async (ev) => {
      ev.target.disabled = true;
      await api('POST', '/wayback/refresh', {});
      toast(t('wayback.asking'));
      // Redrawn when the answer is in (or after 30 s without one).
      for (let i = 0; i < 30; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        const x = await api('GET', '/wayback');
        if (x.fetched_ms !== w.fetched_ms) break;
      }
      if (location.hash === '#/wayback') route();
    } }, t('wayback.refresh')),
    mapEl,
    h('ul', { class: 'list', id: 'pieces' }, [...groups.entries()].map(([name, ps]) => h('li', { class: 'piece' },
      h('strong', { text: name }),
      ps.map((p) => h('label', { class: 'choice', 'data-id': p.piece_id },
        h('input', { type: 'checkbox', name: 'piece', value: p.piece_id, checked: true }),
        t('wayback.piece', { c: className(p.class), len: Math.round(p.length_m || 0), off: Math.round(p.off_route_m || 0) }),
        p.last_inspected ? t('wayback.last', { d: p.last_inspected.slice(0, 10) }) : t('wayback.never_patrolled')))))),
    (w.pieces || []).length ? take : h('p', { text: t('wayback.none', { overdue: t('coverage.overdue') }) }));
  const m = makeMap(mapEl);
  if (!m) return null;
  const layers = (w.pieces || []).filter((p) => p.lonlat).map((p) =>
    L.polyline(p.lonlat.map(([lo, la]) => [la, lo]), { color: '#b00000', weight: 6 }).addTo(m).bindTooltip(p.name || ''));
  const here = hereMarker(m);
  fit(m, layers, here ? state.position : null);
  return () => m.remove();
}

// ---- status --------------------------------------------------------------

async function statusView() {
  await refreshState();
  const s = state;
  if (same({ ...s, now_ms: 0, next_sync_ms: 0 })) return KEEP;
  const rows = [
    [t('status.crew'), s.crew ? `${s.crew_name || ''}（${s.crew}）` : t('status.unenrolled')],
    [t('status.device'), s.device_id ? t('status.device.id', { id: s.device_id }) : '—'],
    [t('status.server'), s.server || '—'],
    [t('status.revoked'), s.revoked || /revoked/.test(s.last_error || '') ? t('status.revoked.yes') : t('status.revoked.no')],
    [t('status.pending'), t('status.pending.n', { n: s.pending, p: s.photos_pending })],
    [t('status.last'), s.last_sync_ms ? fmtTime(s.last_sync_ms, true) : '—'],
    [t('status.next'), s.syncing ? t('status.syncing') : s.next_sync_ms ? t('status.next.at', { t: fmtTime(s.next_sync_ms) }) : '—'],
    [t('status.error'), s.last_error ? errorInWords(s.last_error) : t('status.error.none')],
    [t('status.detail'), s.last_error || '—'],
    [t('status.gps'), s.position ? `${s.position.lat.toFixed(5)}, ${s.position.lon.toFixed(5)}（${fmtTime(s.position.t_ms)}）` : t('status.gps.none', { g: s.gps })],
    [t('status.time'), `${zone()}（${fmtTime(s.now_ms, true)}）`],
  ];
  show(h('h1', { text: t('status.title') }),
    h('dl', { class: 'kv', id: 'status-table' }, rows.map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])),
    s.refused.length ? h('div', {}, h('h2', { text: t('status.refused') }),
      h('ul', { id: 'refused' }, s.refused.map((r) => h('li', { text: `${whatName(r.what, r.outcomes)}${r.job ? t('status.refused.job', { j: r.job }) : ''}：${r.message || r.status}` })))) : null,
    photosRefused('photos-refused', s.photos_refused),
    h('button', { onclick: async () => { await api('POST', '/sync', {}); toast(t('sync.sending')); } }, t('sync.now')));
  return null;
}

// ---- routing -------------------------------------------------------------

// soft: a refresh; a view whose data did not change answers KEEP and the
// page stays as it is (no flicker, nothing under the crew's thumb moves).
async function route(soft) {
  const hash = location.hash || '#/jobs';
  let m;
  let next;
  if (!soft) lastSig = null;
  for (const a of document.querySelectorAll('#nav a'))
    a.classList.toggle('on', hash.startsWith('#/' + a.dataset.view));
  try {
    if ((m = hash.match(/^#\/jobs\/(\d+)$/))) next = await jobView(m[1]);
    else if (hash === '#/patrol') next = await patrolView();
    else if (hash === '#/wayback') next = await waybackView();
    else if (hash === '#/status') next = await statusView();
    else next = await jobsView();
    document.body.dataset.view = hash;
  } catch (e) {
    next = null;
    show(h('p', { class: 'banner danger', text: e.message }));
  }
  if (next === KEEP) return;
  if (cleanup) cleanup();
  cleanup = next;
}

// Lists refresh themselves; a form being filled in is left alone.
async function tick() {
  await refreshState();
  const hash = location.hash || '#/jobs';
  const busy = document.activeElement && ['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement.tagName);
  const filling = view.querySelector('#done-form, #reason-form[open], details[open], #finding-form input:checked');
  if (!busy && !filling && !photoIds.length && (hash === '#/jobs' || hash === '' || hash === '#/status' ||
      /^#\/jobs\/\d+$/.test(hash) && !view.querySelector('#done-form')))
    await route(true);
}

window.addEventListener('hashchange', () => route());
// The language: Japanese first; the button switches (kept on the device).
document.getElementById('lang').addEventListener('click', () => {
  setLang(getLang() === 'en' ? 'ja' : 'en');
  translate();
  if (state) drawSync();
  route();
});
translate();
await refreshState();
await route();
timer = setInterval(tick, 3000);
window.addEventListener('pagehide', () => clearInterval(timer));
