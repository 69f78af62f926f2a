// One request in full: where and what, the callers (staff only; the API
// leaves them out for other roles), the timeline of events, photos, the
// recommended crews with their reasons, and the actions its state allows.
// It follows the live feed: any event of this request reloads it in place.
import { t, pick, getLang } from '../i18n.js';
import { get, post, api, ApiError } from '../api.js';
import { S, on, isStaff, category, wardName, shortWard, crew, soonQueue, soonCrews, limit } from '../state.js';
import { h, fill, when, clock, metres, zoneDate, zoneISO, zoneParts } from '../util.js';
import { focusOn, renderRequests, glyph, group } from '../map.js';
import { created } from './intake.js';
import { stopOf } from '../plans.js';
import { recurringNote, w } from '../insight.js';
import { inSet, allows } from '../lifecycle.js';

// What a state allows comes from the server's table (lifecycle.js).
const isOpen = (state) => inSet('open', state);

let cur = null;   // { id, req, recs }
let panelEl = null;
let message = null;

function eventText(e) {
  if (e.kind === 'created') return t('event.created');
  if (t('event.' + e.kind) !== 'event.' + e.kind) return t('event.' + e.kind);
  return t('action.' + e.kind);
}

function outcomeName(req, code) {
  const o = (category(req.category).outcomes || []).find((x) => x.code === code);
  return o ? pick(o) : code;
}

function timeline(req) {
  return h('ol', { class: 'timeline', id: 'detail-timeline' }, (req.events || []).map((e) => {
    const d = e.detail || {};
    const c = e.crew_id ? crew(e.crew_id) : null;
    return h('li', { dataset: { kind: e.kind } },
      h('span', { class: 'when' }, when(e.at)), ' ',
      h('strong', {}, eventText(e)), ' ',
      e.from && e.to && e.from !== e.to ? h('span', { class: 'muted' }, t('state.' + e.from) + ' → ' + t('state.' + e.to)) : null, ' ',
      c ? h('span', { class: 'crewname' }, c.name) : null, ' ',
      h('span', { class: 'muted actor', title: e.actor }, e.actor_name || e.actor),
      d.outcome ? h('div', {}, t('detail.outcome') + ': ' + outcomeName(req, d.outcome)) : null,
      d.reason ? h('div', {}, t('detail.reason') + ': ' + d.reason) : null,
      d.to ? h('div', {}, t('detail.handover.to') + ': ' + d.to) : null,
      d.sent ? h('div', { class: 'pre' }, t('detail.handover.sent') + ': ' + d.sent) : null,
      d.received_by ? h('div', {}, t('ho.received', { t: when(e.at), who: d.received_by })) : null,
      d.result ? h('div', { class: 'cbres' }, t('cbres.' + d.result)) : null,
      d.error ? h('div', { class: 'warn' }, d.error) : null,
      d.note ? h('div', { class: 'note' }, d.note) : null,
      d.callback_at ? h('div', {}, t('detail.callback.at', { t: when(d.callback_at) })) : null,
      d.parent_id ? h('div', {}, h('a', { href: '#/requests/' + d.parent_id }, t('detail.parent', { id: d.parent_id }))) : null);
  }));
}

function reasonText(rec, r) {
  // The server gives every reason in words in both languages.
  if (r.text_ja || r.text) return getLang() === 'en' ? r.text || r.text_ja : r.text_ja || r.text;
  switch (r.code) {
  case 'distance': {
    const gps = rec.crew && typeof rec.crew.lat === 'number';
    return t('reason.distance', { km: (r.value / 1000).toFixed(1), src: gps ? t('detail.from_gps') : t('detail.from_office') });
  }
  case 'eta': return t('reason.eta', { min: Math.round(r.value) });
  case 'queue': return r.value === 0 ? t('reason.queue0') : t('reason.queue', { n: r.value, min: Math.ceil(rec.busy_minutes || 0) });
  case 'cross_ward': return t('reason.cross_ward', { o: pick(rec.crew.office) });
  default: return r.text || r.code;
  }
}

// True when the server took the action. (Whether the view shows it yet is
// another matter: a live update may be loading the request at the same
// time, and the later load wins.)
async function act(action, body) {
  const id = cur.id;
  let ok = false;
  message = null;
  try {
    await post('/api/v1/requests/' + id + '/' + action, body || {});
    drafts.clear();
    ok = true;
  } catch (e) {
    message = e instanceof ApiError && e.status === 409 ? t('detail.conflict') : t('error', { m: e.message });
  }
  soonQueue();
  soonCrews();
  await load(id);
  return ok;
}

// The "a" key asked already; a mouse click on reassign asks here.
let confirmedByKey = false;
function fromKeyConfirmed(req, rec) {
  if (confirmedByKey) { confirmedByKey = false; return true; }
  const from = crew(req.crew_id);
  return window.confirm(t('keys.a.confirm', { from: from ? from.name : '#' + req.crew_id, to: rec.crew.name }));
}

function recommendations(req) {
  const action = allows('assign', req.state) ? 'assign' : allows('reassign', req.state) ? 'reassign' : null;
  if (!isStaff() || !action) return null;
  const recs = cur.recs;
  if (!recs) return h('section', {}, h('h3', {}, t('detail.recs')), h('p', { class: 'muted' }, '…'));
  const list = (recs.crews || []).filter((x) => x.crew.id !== req.crew_id);
  return h('section', { id: 'detail-recs' }, h('h3', {}, t('detail.recs')),
    list.length === 0 ? h('p', { class: 'muted' }, t('detail.recs.none')) : h('ol', { class: 'recs' },
      list.map((rec, i) => h('li', { class: i === 0 ? 'top' : '', dataset: { crew: rec.crew.code } },
        h('div', { class: 'rec-head' },
          h('strong', {}, rec.crew.name), ' ',
          h('span', { class: 'muted' }, rec.crew.code + ' · ' + pick(rec.crew.office)), ' ',
          h('button', {
            type: 'button', class: i === 0 ? 'primary' : '', id: i === 0 ? 'assign-top' : undefined,
            onclick: async () => {
              const fromKey = undoable && undoable.id === req.id && i === 0 && action === 'assign';
              undoable = null;
              // A click on "reassign" asks too: the crew that has it loses it.
              if (action === 'reassign' && !fromKeyConfirmed(req, rec)) return;
              // Offered when the assignment went through: the view may
              // still be loading it (a live update's load supersedes ours).
              if (await act(action, { crew_id: rec.crew.id }) && fromKey) showUndo(req.id, rec.crew.name);
            },
          }, i === 0 && action === 'assign' ? t('detail.assign.top') : t('detail.' + action))),
        h('ul', { class: 'reasons' }, (rec.reasons || []).map((r) => h('li', { dataset: { code: r.code } }, reasonText(rec, r))))))));
}

// A small form inside <details>: fields, then one button.
// What the dispatcher has opened and typed in the action forms. The view
// is redrawn whenever the request, its recommendations, the queue or the
// plans change; without this a live update closed the form and wiped a
// half-typed hand-over note. Cleared when an action succeeds or another
// request is opened. The survey form (not in a <details>) is kept too.
const drafts = new Map();
const DRAFTED = 'details.mini[id], form[data-draft][id]';

function draftsSave(root) {
  for (const d of root.querySelectorAll(DRAFTED)) {
    const values = {};
    // A chosen photo is kept as the file list itself (a path cannot be set).
    for (const el of d.querySelectorAll('[name]')) values[el.name] = el.type === 'file' ? el.files : el.value;
    drafts.set(d.id, { open: d.open, values });
  }
  const f = document.activeElement;
  const box = f && f.closest ? f.closest(DRAFTED) : null;
  return box && root.contains(f) ? { box: box.id, name: f.name } : null;
}

function draftsRestore(root, focus) {
  for (const [id, dr] of drafts) {
    const d = root.querySelector('[id="' + id + '"]');
    if (!d) continue;
    if (d.tagName === 'DETAILS') d.open = dr.open;
    for (const [name, v] of Object.entries(dr.values)) {
      const el = d.querySelector('[name="' + name + '"]');
      if (el && el.type === 'file') { if (v && v.length) el.files = v; continue; }
      // A select whose options arrive later keeps the wanted value.
      if (el && el.tagName === 'SELECT' && ![...el.options].some((o) => o.value === v)) el.dataset.want = v;
      else if (el) {
        el.value = v;
        // As if chosen again: a select's listener shows what the choice
        // means (the hand-over recipient's duties, phone and hours).
        if (el.tagName === 'SELECT') el.dispatchEvent(new Event('change'));
      }
    }
  }
  if (focus && focus.name) {
    const el = root.querySelector('[id="' + focus.box + '"] [name="' + focus.name + '"]');
    if (el) el.focus();
  }
}

function miniForm(id, title, fields, button, onsubmit) {
  return h('details', { class: 'mini', id },
    h('summary', {}, title),
    h('form', { onsubmit: (e) => { e.preventDefault(); onsubmit(new FormData(e.target)); } },
      fields, h('button', { type: 'submit' }, button)));
}

function outcomeSelect(req) {
  return h('label', {}, t('detail.outcome'), h('select', { name: 'outcome', required: true },
    h('option', { value: '' }, t('new.choose')),
    (category(req.category).outcomes || []).map((o) => h('option', { value: o.code }, pick(o)))));
}

function nearbyOpen(req) {
  const radius = S.config.dup_radius_m || 250;
  const dups = new Map();
  for (const d of created.get(req.id) || []) dups.set(d.id, d.distance_m);
  for (const r of S.queue) {
    if (r.id === req.id || r.category !== req.category) continue;
    const m = metres(req.lat, req.lon, r.lat, r.lon);
    if (m <= radius) dups.set(r.id, Math.round(m));
  }
  return [...dups.entries()].filter(([id]) => id !== req.id).sort((a, b) => a[1] - b[1]);
}

function actions(req) {
  if (!isStaff() || !isOpen(req.state)) return null;
  const parts = [];
  if (allows('triage', req.state)) {
    parts.push(h('button', { type: 'button', id: 'detail-triage', onclick: () => act('triage') }, t('detail.triage')));
  }
  const steps = ['accept', 'en_route', 'on_site'].filter((s) => allows(s, req.state));
  if (steps.length > 0) {
    parts.push(h('div', { class: 'steps' }, h('span', { class: 'muted' }, t('detail.crewstep') + ' '),
      steps.map((s) => h('button', { type: 'button', class: 'small', onclick: () => act(s) }, t('action.' + s)))));
  }
  if (allows('done', req.state)) {
    parts.push(miniForm('detail-close', t('detail.close'),
      [outcomeSelect(req), h('label', {}, t('detail.note'), h('input', { name: 'note', maxlength: limit('note') }))],
      t('action.done'), (f) => act('done', { outcome: f.get('outcome'), note: f.get('note') || undefined })));
  }
  if (allows('handover', req.state)) parts.push(handoverForm(req));
  if (allows('cancel', req.state)) parts.push(miniForm('detail-cancel', t('detail.cancel'),
    [h('label', {}, t('detail.cancel.reason'), h('input', { name: 'reason', required: true, maxlength: limit('reason') }))],
    t('action.cancel'), (f) => act('cancel', { reason: f.get('reason') })));
  return h('section', { id: 'detail-actions' }, h('h3', {}, t('detail.actions')), parts);
}

// Over the city line: say so, name the nearest ward (and the
// municipality when the boundary data knows it), and offer the hand-over
// with its addressee filled in.
function outside(req) {
  const o = req.outside_wards;
  if (!o) return null;
  const to = o.municipality || t('outside.neighbour', { w: shortWard(o.nearest_ward_name) });
  const offer = isStaff() && isOpen(req.state)
    ? h('button', {
      type: 'button', id: 'detail-outside-handover', class: 'small',
      onclick: () => {
        const d = document.getElementById('detail-handover');
        if (!d) return;
        d.open = true;
        // The directory may hold the neighbour; the note says where it is.
        const note = d.querySelector('textarea[name=note]');
        if (note && !note.value) note.value = t('outside.title') + ' ' + to;
        const sel = d.querySelector('select[name=recipient_id]');
        if (sel) sel.focus();
      },
    }, t('outside.handover'))
    : null;
  return h('section', { id: 'detail-outside', class: 'outside-banner', role: 'note' },
    h('strong', {}, t('outside.title')), ' ',
    o.municipality
      ? t('outside.in', { m: o.municipality })
      : t('outside.near', { w: shortWard(o.nearest_ward_name), d: o.distance_m }),
    ' ', offer);
}

// The directory, read once per detail view.
let directoryList = null;

function handoverForm() {
  const sel = h('select', { name: 'recipient_id', id: 'handover-recipient', required: true },
    h('option', { value: '' }, t('new.choose')));
  const info = h('p', { class: 'muted', id: 'handover-info' });
  const fillList = (list) => {
    if (list.length === 0) { info.textContent = t('ho.none'); return; }
    for (const d of list) sel.append(h('option', { value: String(d.id) }, d.name + (d.demo ? '（' + t('dir.demo') + '）' : '')));
    if (sel.dataset.want) { sel.value = sel.dataset.want; delete sel.dataset.want; sel.dispatchEvent(new Event('change')); }
  };
  sel.addEventListener('change', () => {
    const d = (directoryList || []).find((x) => String(x.id) === sel.value);
    info.textContent = d ? [d.handles, d.phone, d.hours].filter(Boolean).join(' · ') : '';
  });
  if (directoryList) fillList(directoryList);
  else get('/api/v1/directory').then((l) => { directoryList = l; fillList(l); }).catch(() => { info.textContent = t('ho.none'); });
  return miniForm('detail-handover', t('ho.title'),
    [h('label', {}, t('ho.recipient'), sel), info,
      h('label', {}, t('ho.note'), h('textarea', { name: 'note', rows: 3, maxlength: limit('note') }))],
    t('ho.send'), (f) => act('handover', { recipient_id: Number(f.get('recipient_id')), note: f.get('note') || undefined }));
}

function handovers(req) {
  if (!(req.handovers || []).length) return null;
  return h('section', { id: 'detail-handovers' }, h('h3', {}, t('ho.list')),
    h('ul', {}, req.handovers.map((x) => h('li', { class: 'handover', dataset: { id: String(x.id) } },
      h('strong', {}, x.to), ' ', x.phone ? h('a', { href: 'tel:' + x.phone }, x.phone) : null, ' ',
      h('span', { class: 'muted' }, t('ho.sent', { t: when(x.created_at), who: x.sent_by })),
      x.mailed_at ? h('div', {}, t('ho.mailed', { t: when(x.mailed_at) })) : null,
      x.mail_error ? h('div', { class: 'warn' }, t('ho.mailfail', { e: x.mail_error })) : null,
      x.received_at ? h('div', { class: 'received' }, t('ho.received', { t: when(x.received_at), who: x.received_by }))
        : x.returned_at ? h('div', { class: 'warn' }, t('ho.returned', { t: when(x.returned_at) }))
          : h('div', { class: 'waiting' }, t('ho.waiting', { t: when(x.return_at) }))))));
}

function duplicates(req) {
  if (!isOpen(req.state)) return null;
  const near = nearbyOpen(req);
  if (near.length === 0) return null;
  const canMerge = isStaff() && allows('merge', req.state);
  return h('section', { id: 'detail-dups', class: 'warnbox' }, h('h3', {}, t('detail.dups')),
    h('ul', {}, near.map(([id, m]) => {
      const o = S.queue.find((r) => r.id === id);
      return h('li', { dataset: { id: String(id) } },
        h('a', { href: '#/requests/' + id }, '#' + id), ' ', t('dist.m', { m }), ' ',
        o ? h('span', { class: 'state st-' + o.state }, t('state.' + o.state)) : null, ' ',
        o && o.address ? o.address : '', ' ',
        canMerge ? h('button', { type: 'button', class: 'small', onclick: () => act('merge', { parent_id: id }) }, t('detail.merge.into')) : null);
    })));
}

// The four results of a call-back, with a note; no_answer keeps it open
// and the server proposes the next attempt.
export function callbackResults(id, after) {
  const note = h('input', { name: 'note', maxlength: limit('note'), placeholder: t('cb.note'), class: 'cb-note' });
  const out = h('span', { class: 'muted cb-next' });
  return h('span', { class: 'cb-results', dataset: { id: String(id) } }, note,
    ['answered', 'no_answer', 'explained', 'not_needed'].map((r) => h('button', {
      type: 'button', class: 'small', dataset: { result: r },
      onclick: async () => {
        try {
          const res = await post('/api/v1/requests/' + id + '/callback', { result: r, note: note.value || undefined });
          if (res.next_attempt_at) out.textContent = t('cb.next', { t: when(res.next_attempt_at) });
        } catch (e) { out.textContent = t('error', { m: e.message }); return; }
        if (after) after();
      },
    }, t('cbres.' + r))), out);
}

function callers(req) {
  if (!('callers' in req)) return h('section', { id: 'detail-callers' }, h('h3', {}, t('detail.callers')), h('p', { class: 'muted' }, t('detail.callers.hidden')));
  return h('section', { id: 'detail-callers' }, h('h3', {}, t('detail.callers')),
    req.callers.length === 0 ? h('p', { class: 'muted' }, '—') : h('ul', {}, req.callers.map((c) => h('li', { class: 'caller' },
      h('strong', {}, c.name || '—'), ' ', c.phone ? h('a', { href: 'tel:' + c.phone }, c.phone) : null, ' ', c.address || '',
      c.consent_at ? h('span', { class: 'muted small consent-given' }, ' ✓ ' + w('consent.given', { d: when(c.consent_at) })) : null,
      c.request_id && c.request_id !== req.id ? h('span', { class: 'muted' }, ' ', t('detail.caller.from', { id: c.request_id })) : null))),
    req.callback_at || req.callback_done_at ? h('p', { id: 'detail-callback' },
      req.callback_done_at ? t('detail.callback.done', { t: when(req.callback_done_at) }) : t('detail.callback.at', { t: when(req.callback_at) }), ' ',
      req.callback_result ? h('span', { class: 'cbres' }, t('cbres.' + req.callback_result)) : null,
      req.callback_attempts ? h('span', { class: 'muted' }, ' ' + t('cb.attempts', { n: req.callback_attempts })) : null,
      !req.callback_done_at ? callbackResults(req.id, () => load(req.id)) : null) : null);
}

function answersList(req) {
  const cat = category(req.category);
  const items = (cat.questions || []).filter((q) => req.answers && q.code in req.answers).map((q) => {
    const v = req.answers[q.code];
    const vals = Array.isArray(v) ? v : [v];
    const names = vals.map((x) => { const o = (q.values || []).find((y) => y.key === x); return o ? pick(o) : String(x); });
    return h('li', {}, pick(q) + '：' + names.join('、'));
  });
  return items.length ? h('ul', { class: 'answers' }, items) : null;
}

// What each merged call said: kept on the parent (a merge keeps everything).
function mergedDetail(req) {
  const list = req.merged_detail || [];
  if (list.length === 0) return null;
  const cat = category(req.category);
  const answerText = (m) => (cat.questions || []).filter((q) => m.answers && q.code in m.answers).map((q) => {
    const o = (q.values || []).find((v) => v.key === m.answers[q.code]);
    return pick(q) + '：' + (o ? pick(o) : String(m.answers[q.code]));
  }).join('、');
  return h('section', { id: 'detail-merged' }, h('h3', {}, t('detail.merged.title')),
    h('ul', {}, list.map((m) => h('li', { dataset: { id: String(m.id) } },
      h('a', { href: '#/requests/' + m.id }, '#' + m.id), ' ', h('span', { class: 'muted' }, when(m.created_at)), ' ', m.address || '',
      m.description ? h('div', { class: 'pre' }, m.description) : null,
      answerText(m) ? h('div', {}, answerText(m)) : null,
      (m.notes || []).map((n) => h('div', { class: 'note' }, n)),
      (m.photos || []).length ? h('div', { class: 'photos' }, m.photos.map((sha) => h('a', { href: '/api/v1/photos/' + sha, target: '_blank', rel: 'noopener' },
        h('img', { src: '/api/v1/photos/' + sha, alt: sha.slice(0, 12), loading: 'lazy' })))) : null))));
}

// A petition's site survey: its deadline, then the result once recorded.
function survey(req) {
  const s = req.survey;
  if (!s) return null;
  if (s.recorded_at) {
    return h('section', { id: 'detail-survey' }, h('h3', {}, t('survey.title')),
      h('div', { class: 'recorded' }, h('p', { class: 'pre' }, s.findings || ''),
        s.proposed_action ? h('p', {}, t('survey.proposed') + ': ', h('strong', {}, s.proposed_action)) : null,
        h('p', { class: 'muted' }, t('survey.recorded', { t: when(s.recorded_at), who: s.recorded_by }))));
  }
  const over = new Date(s.due_at).getTime() < Date.now();
  const photoShas = [];
  const file = h('input', { type: 'file', accept: 'image/*', name: 'photo' });
  return h('section', { id: 'detail-survey', class: over ? 'warnbox' : '' }, h('h3', {}, t('survey.title')),
    h('p', { class: over ? 'warn' : '' }, t('survey.due', { t: when(s.due_at) })),
    isStaff() ? h('form', { id: 'survey-form', dataset: { draft: '1' }, onsubmit: async (e) => {
      e.preventDefault();
      const f = new FormData(e.target);
      message = null;
      try {
        if (file.files && file.files[0]) {
          const r = await fetch('/api/v1/requests/' + req.id + '/photos', { method: 'POST', credentials: 'same-origin',
            headers: { 'Content-Type': file.files[0].type || 'application/octet-stream', 'X-CSRF-Token': S.me.csrf }, body: file.files[0] });
          const j = await r.json();
          if (!r.ok) throw new Error((j.error && j.error.message) || r.status);
          photoShas.push(j.sha256);
        }
        await post('/api/v1/requests/' + req.id + '/survey', { findings: f.get('findings'),
          proposed_action: f.get('proposed_action') || undefined, photos: photoShas.length ? photoShas : undefined });
        drafts.delete('survey-form');
      } catch (err) { message = t('error', { m: err.message }); }
      load(req.id);
    } },
    h('label', {}, t('survey.findings'), h('textarea', { name: 'findings', required: true, rows: 3, maxlength: 4000 })),
    h('label', {}, t('survey.proposed'), h('input', { name: 'proposed_action', maxlength: 2000 })),
    h('label', {}, t('survey.photo'), file),
    h('button', { type: 'submit' }, t('survey.record'))) : null);
}

function photos(req) {
  return h('section', { id: 'detail-photos' }, h('h3', {}, t('detail.photos')),
    (req.photos || []).length === 0 ? h('p', { class: 'muted' }, t('detail.photos.none'))
      : h('div', { class: 'photos' }, req.photos.map((sha) => h('a', { href: '/api/v1/photos/' + sha, target: '_blank', rel: 'noopener' },
        h('img', { src: '/api/v1/photos/' + sha, alt: sha.slice(0, 12), loading: 'lazy' })))));
}

// When the resident is in (taken at intake): shown, and changed by staff
// while the request is open (the crew's plan follows at once).
function availability(req) {
  const from = req.window_from, to = req.window_to;
  let text = null;
  if (from && to) text = t('detail.avail.both', { a: when(from), b: zoneParts(from).date === zoneParts(to).date ? clock(to) : when(to) });
  else if (from) text = t('detail.avail.from', { a: when(from) });
  else if (to) text = t('detail.avail.to', { b: when(to) });
  const open = isStaff() && isOpen(req.state);
  if (!text && !open) return null;
  const line = h('p', { id: 'detail-avail' }, text ? t('detail.avail', { w: text }) : h('span', { class: 'muted' }, t('detail.avail', { w: t('new.avail.none') })),
    open && !cur.availEdit ? [' ', h('button', { type: 'button', class: 'link', id: 'detail-avail-edit',
      onclick: () => { cur.availEdit = true; draw(); } }, t('detail.avail.edit'))] : null);
  if (!open || !cur.availEdit) return line;
  const f0 = from ? zoneParts(from) : null, t0 = to ? zoneParts(to) : null;
  // What is being typed survives a redraw (a refused save, a live event).
  const v = cur.availDraft || (cur.availDraft = { date: (f0 || t0 || { date: zoneDate() }).date,
    from: f0 ? f0.time : '', to: t0 ? t0.time : '' });
  const keep = (k) => (e) => { v[k] = e.target.value; };
  const date = h('input', { type: 'date', id: 'detail-avail-date', value: v.date, oninput: keep('date') });
  const fi = h('input', { type: 'time', id: 'detail-avail-from', step: 300, value: v.from, oninput: keep('from') });
  const ti = h('input', { type: 'time', id: 'detail-avail-to', step: 300, value: v.to, oninput: keep('to') });
  const save = async (clear) => {
    message = null;
    const d = date.value || zoneDate();
    try {
      await api('PATCH', '/api/v1/requests/' + cur.id, clear ? {} : {
        window_from: fi.value ? zoneISO(d, fi.value) : null, window_to: ti.value ? zoneISO(d, ti.value) : null });
      cur.availEdit = false;
      cur.availDraft = null;
    } catch (e) {
      message = t('error', { m: e.message + (e.field && !e.named ? ' (' + e.field + ')' : '') });
    }
    await load(cur.id);
  };
  return h('div', { class: 'avail-edit' }, line,
    h('div', { class: 'row3' }, h('label', {}, t('new.avail.date'), date), h('label', {}, t('new.avail.from'), fi),
      h('label', {}, t('new.avail.to'), ti)),
    h('button', { type: 'button', id: 'detail-avail-save', class: 'primary', onclick: () => save(false) }, t('detail.avail.save')), ' ',
    h('button', { type: 'button', id: 'detail-avail-clear', onclick: () => save(true) }, t('detail.avail.clear')));
}

// The time to tell the caller: the arrival window from the crew's plan
// (the live plan when the console has it, else what the request stored),
// while a crew has the job and is not there yet.
function expected(req) {
  if (!inSet('active', req.state) || req.state === 'on_site') return null;
  const live = stopOf(req.id);
  const from = live ? live.stop.expected_from : req.expected_from;
  const to = live ? live.stop.expected_to : req.expected_to;
  if (!from) return h('p', { id: 'detail-expected', class: 'muted' }, t('detail.expected.none'));
  const c = req.crew_id ? crew(req.crew_id) : null;
  return h('p', { id: 'detail-expected', class: 'expected', dataset: { from } },
    t('detail.expected', { a: when(from), b: clock(to), crew: c ? c.name : '', n: live ? live.stop.order : req.plan_order || '' }),
    live && live.stop.late_minutes > 0 ? h('span', { class: 'error' }, ' ' + t('plan.late', { m: live.stop.late_minutes })) : null);
}

function draw() {
  if (!panelEl || !cur) return;
  const req = cur.req;
  if (!req) {
    fill(panelEl, h('div', { class: 'panel-head' }, h('h2', {}, t('detail.title', { id: cur.id }))),
      h('p', { class: 'error' }, cur.error || t('detail.notfound')));
    return;
  }
  const cat = category(req.category);
  const c = req.crew_id ? crew(req.crew_id) : null;
  const focus = draftsSave(panelEl);
  fill(panelEl,
    h('div', { class: 'panel-head' },
      h('h2', {}, h('span', { class: 'glyph cat-' + group(req.category) }, glyph(req.category)), ' ',
        t('detail.title', { id: req.id }), ' ', pick(cat)),
      h('span', { id: 'detail-state', class: 'state big st-' + req.state, dataset: { state: req.state, id: String(req.id) } }, t('state.' + req.state)),
      h('span', { class: 'prio p' + req.priority }, t('prio.' + req.priority))),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    h('div', { class: 'scroll detail' },
      outside(req),
      h('section', {},
        h('p', {}, h('strong', {}, req.address || ''), ' ', h('span', { class: 'muted' }, wardName(req.ward_code) || shortWard(req.ward_name) || '')),
        req.town ? h('p', { id: 'detail-town' }, t('geo.town', { t: req.town }),
          req.location_level ? h('span', { class: 'muted' }, ' ' + t('geo.level.' + req.location_level)) : null,
          req.location_text ? h('span', { class: 'muted' }, ' 「' + req.location_text + '」') : null) : null,
        req.description ? h('p', { class: 'pre' }, req.description) : null,
        cur.recurring || (cur.recurring = recurringNote(req.category, req.lat, req.lon, req.id)),
        answersList(req),
        h('p', { class: 'muted' }, t('detail.created', { t: when(req.created_at), who: req.created_by }), ' · ', t('channel.' + req.channel)),
        isOpen(req.state) ? h('p', { class: 'muted' }, t('detail.due', { a: when(req.due_make_safe), b: when(req.due_resolve) })) : null,
        req.outcome ? h('p', {}, t('detail.outcome') + ': ', h('strong', { id: 'detail-outcome' }, outcomeName(req, req.outcome))) : null,
        c ? h('p', {}, t('detail.crew') + ': ', h('strong', { id: 'detail-crew' }, c.name)) : null,
        availability(req),
        expected(req),
        req.parent ? h('p', {}, h('a', { href: '#/requests/' + req.parent.id }, t('detail.parent', { id: req.parent.id }))) : null,
        (req.merged || []).length ? h('p', {}, t('detail.merged'), ' ', req.merged.map((id) => [h('a', { href: '#/requests/' + id }, '#' + id), ' '])) : null),
      duplicates(req),
      recommendations(req),
      actions(req),
      survey(req),
      handovers(req),
      callers(req),
      mergedDetail(req),
      h('section', {}, h('h3', {}, t('detail.timeline')), timeline(req)),
      photos(req)));
  draftsRestore(panelEl, focus);
}

let loadSeq = 0;

async function load(id) {
  if (!cur || cur.id !== id) return;
  const my = ++loadSeq;
  const stale = () => !cur || cur.id !== id || my !== loadSeq;
  try {
    const req = await get('/api/v1/requests/' + id);
    if (stale()) return;
    cur.req = req;
    S.selectedRequest = req;
    draw();
    renderRequests();
    if (isStaff() && isOpen(req.state)) {
      const recs = await get('/api/v1/requests/' + id + '/recommendations').catch(() => ({ crews: [] }));
      if (stale()) return;
      cur.recs = recs;
      draw();
    } else if (cur) cur.recs = null;
  } catch (e) {
    if (stale()) return;
    cur.req = null;
    cur.error = e instanceof ApiError && e.status === 404 ? t('detail.notfound') : t('error', { m: e.message });
    draw();
  }
}

export function render(panel, params) {
  const id = Number(params[0]);
  panelEl = panel;
  message = null;
  cur = { id, req: null, recs: null };
  directoryList = null;
  drafts.clear();
  S.selected = id;
  fill(panel, h('p', { class: 'muted' }, '…'));
  load(id).then(() => { if (cur && cur.req) focusOn(cur.req.lat, cur.req.lon, 14); });
  const offEvent = on('event', (ev) => { if (cur && ev.request_id === id) load(id); });
  const offResync = on('resync', () => load(id));
  const offQueue = on('queue', draw);
  // The crews' plans changed: the time to tell the caller may have moved.
  const offPlans = on('plans', draw);
  return () => {
    offEvent(); offResync(); offQueue(); offPlans();
    cur = null; panelEl = null; S.selected = null; S.selectedRequest = null;
    renderRequests();
  };
}

// Keyboard "a": assign the top recommendation. A request that already has
// a crew asks first and says it will reassign (and from whom to whom); a
// plain assignment can be undone for a while (back to the queue).
export function assignTop() {
  const b = document.getElementById('assign-top');
  if (!b || !cur || !cur.req) return;
  const req = cur.req;
  const top = document.querySelector('#detail-recs li.top strong');
  if (req.crew_id) {
    const from = crew(req.crew_id);
    if (!window.confirm(t('keys.a.confirm', { from: from ? from.name : '#' + req.crew_id, to: top ? top.textContent : '' }))) return;
    confirmedByKey = true;
    b.click();
    return;
  }
  undoable = { id: req.id };
  b.click();
}

let undoable = null; // the request the last "a" assigned
let undoTimer = null;

function showUndo(id, crewName) {
  const box = document.getElementById('undo') || document.body.appendChild(h('div', { id: 'undo', role: 'status' }));
  clearTimeout(undoTimer);
  fill(box, t('undo.assigned', { id, c: crewName }), ' ',
    h('button', { type: 'button', class: 'small', onclick: async () => {
      box.hidden = true;
      try {
        await post('/api/v1/requests/' + id + '/reject', { reason: t('undo.reason') });
      } catch (e) { message = t('error', { m: e.message }); }
      soonQueue(); soonCrews();
      if (cur && cur.id === id) load(id);
    } }, t('undo.button')));
  box.hidden = false;
  undoTimer = setTimeout(() => { box.hidden = true; }, 15000);
}
