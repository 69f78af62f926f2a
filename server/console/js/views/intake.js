// Taking a phone call: channel, category and its questions, the point
// (one search box: an address, a landmark or a case number gives
// candidates as you type, chosen with the arrow keys and Enter; or click
// the map, or type "lat, lon"; the pin can be dragged), the place, the
// caller, a promised
// call-back time. While the call is taken it shows open requests of the
// same category nearby (likely the same problem) and similar past cases,
// by place and by the words typed. Tab moves through the form; Enter or
// Ctrl+Enter registers.
import { t, pick } from '../i18n.js';
import { get, post, postOnce, newIdempotencyKey, ApiError } from '../api.js';
import { S, on, category, shortWard, soonQueue, limit } from '../state.js';
import { h, fill, when, metres, wardAt, debounce, zoneDate, zoneISO } from '../util.js';
import { setPick, focusPick, glyph, group } from '../map.js';
import { recurringNote, consentField } from '../insight.js';

// Kept while the dispatcher looks elsewhere (e.g. at the map view).
// text: what was typed to find the point; level: how exact it is
// (block, town, place, case, or pin when placed by hand); place: the
// chosen candidate.
const draft = { channel: 'phone', category: '', lat: null, lon: null, text: '', level: null, place: null };
// The create reply's duplicates, for the request's detail view.
export const created = new Map();

let els = null;

function pointText() {
  return draft.lat === null ? '' : draft.lat.toFixed(6) + ', ' + draft.lon.toFixed(6);
}

function parsePoint(s) {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(s);
  if (!m) return null;
  const lat = Number(m[1]), lon = Number(m[2]);
  return Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 ? [lat, lon] : null;
}

function questionField(q) {
  const id = 'q-' + q.code;
  const label = h('span', {}, pick(q), q.required ? h('em', { class: 'req' }, ' *') : null);
  if (q.datatype === 'singlevaluelist') {
    return h('label', {}, label, h('select', { id, name: q.code, required: q.required || undefined },
      h('option', { value: '' }, t('new.choose')),
      (q.values || []).map((v) => h('option', { value: v.key }, pick(v)))));
  }
  if (q.datatype === 'multivaluelist') {
    return h('fieldset', { id, class: 'multi' }, h('legend', {}, label),
      (q.values || []).map((v) => h('label', { class: 'inline' },
        h('input', { type: 'checkbox', name: q.code, value: v.key }), pick(v))));
  }
  const type = q.datatype === 'number' ? 'number' : q.datatype === 'datetime' ? 'datetime-local' : 'text';
  return h('label', {}, label, h('input', { id, name: q.code, type, step: type === 'number' ? 'any' : undefined,
    required: q.required || undefined }));
}

function answers(cat) {
  const out = {};
  for (const q of cat.questions || []) {
    if (q.datatype === 'multivaluelist') {
      const v = [...els.questions.querySelectorAll('input[name="' + CSS.escape(q.code) + '"]:checked')].map((i) => i.value);
      if (v.length) out[q.code] = v;
      continue;
    }
    const el = els.questions.querySelector('[name="' + CSS.escape(q.code) + '"]');
    if (!el || el.value === '') continue;
    if (q.datatype === 'number') out[q.code] = Number(el.value);
    else if (q.datatype === 'datetime') out[q.code] = new Date(el.value).toISOString();
    else out[q.code] = el.value;
  }
  return out;
}

function drawQuestions() {
  const cat = S.categories.get(draft.category);
  fill(els.questions, cat ? (cat.questions || []).map(questionField) : null);
  // What to tell the caller (editable by admins on the scripts screen).
  const script = cat ? pick(cat, 'caller_script') : '';
  fill(els.script, script ? [h('strong', {}, t('new.script')), ' ', script] : null);
  els.script.hidden = !script;
}

// 「この案件に通報者を追加」: this caller is about that request; no new one.
async function addCaller(id) {
  const form = els.form;
  const caller = { name: text(form, 'caller_name'), phone: text(form, 'caller_phone'), address: text(form, 'caller_address') };
  if (!caller.name && !caller.phone && !caller.address) {
    fill(els.result, h('p', { class: 'error', role: 'alert' }, t('new.addcaller.need')));
    form.elements.caller_name.focus();
    return;
  }
  const cb = form.elements.callback_at.value;
  try {
    await post('/api/v1/requests/' + id + '/callers', {
      caller, note: text(form, 'description'), callback_at: cb ? new Date(cb).toISOString() : undefined });
  } catch (err) {
    fill(els.result, h('p', { class: 'error', role: 'alert' }, t('error', { m: err.message })));
    return;
  }
  form.reset();
  draft.category = '';
  draft.lat = draft.lon = null;
  setPick(null);
  location.hash = '#/requests/' + id;
}

function drawWard() {
  if (draft.lat === null) { fill(els.ward, ''); return; }
  const f = wardAt(S.wards, draft.lon, draft.lat);
  fill(els.ward, t('new.ward', { w: f ? shortWard(f.properties.name) : t('new.noward') }));
}

// Open requests of the chosen category near the point, nearest first.
function drawDuplicates() {
  if (!els) return;
  fill(els.recurring, draft.lat !== null && draft.category ? recurringNote(draft.category, draft.lat, draft.lon) : '');
  if (draft.lat === null || !draft.category) {
    fill(els.dups, h('p', { class: 'muted' }, t('new.dups.pick')));
    return;
  }
  const radius = S.config.dup_radius_m || 250;
  const near = S.queue
    .filter((r) => r.category === draft.category)
    .map((r) => ({ r, d: metres(draft.lat, draft.lon, r.lat, r.lon) }))
    .filter((x) => x.d <= radius)
    .sort((a, b) => a.d - b.d);
  fill(els.dups, near.length === 0
    ? h('p', { class: 'muted' }, t('new.dups.none'))
    : h('ul', { class: 'cards' }, near.map(({ r, d }) => h('li', { class: 'dup', dataset: { id: String(r.id) } },
      h('a', { href: '#/requests/' + r.id }, '#' + r.id), ' ',
      h('span', { class: 'state st-' + r.state }, t('state.' + r.state)), ' ',
      h('strong', {}, t('dist.m', { m: Math.round(d) })), ' ',
      h('span', {}, r.address || ''), h('div', { class: 'muted' }, (r.description || '').slice(0, 80)),
      h('div', { class: 'muted' }, when(r.created_at)),
      h('button', { type: 'button', class: 'small add-caller', onclick: () => addCaller(r.id) }, t('new.addcaller'))))));
}

let casesSeq = 0;
async function loadCases() {
  if (!els) return;
  const q = new URLSearchParams({ limit: '5' });
  if (draft.category) q.set('category', draft.category);
  if (draft.lat !== null) { q.set('lat', draft.lat.toFixed(6)); q.set('lon', draft.lon.toFixed(6)); q.set('radius_m', '1500'); }
  const words = els.description.value.trim();
  if (words.length >= 2) q.set('q', words.slice(0, 100));
  if (!draft.category && draft.lat === null && words.length < 2) { fill(els.cases, ''); return; }
  const seq = ++casesSeq;
  let list = [];
  try { list = await get('/api/v1/cases?' + q); } catch { list = []; }
  if (seq !== casesSeq || !els) return;
  fill(els.cases, list.length === 0
    ? h('p', { class: 'muted' }, t('new.cases.none'))
    : h('ul', { class: 'cards' }, list.map((c) => {
      const cat = category(c.category);
      const out = (cat.outcomes || []).find((o) => o.code === c.outcome);
      return h('li', { class: 'case' },
        h('a', { href: '#/requests/' + c.id }, '#' + c.id), ' ',
        h('span', { class: 'glyph cat-' + group(c.category) }, glyph(c.category)), ' ',
        out ? h('strong', {}, pick(out)) : h('strong', {}, t('state.' + c.state)), ' ',
        c.distance_m !== null && c.distance_m !== undefined ? t('dist.m', { m: c.distance_m }) + ' ' : '',
        h('span', { class: 'muted' }, when(c.closed_at)),
        h('div', {}, c.address || ''), h('div', { class: 'muted' }, (c.description || '').slice(0, 100)),
        (c.notes || []).slice(-1).map((n) => h('div', { class: 'note' }, n)));
    })));
}
const loadCasesSoon = debounce(loadCases, 350);

function setPoint(lat, lon, level, place) {
  draft.lat = lat;
  draft.lon = lon;
  draft.level = lat === null ? null : level || 'pin';
  draft.place = place || null;
  if (els) {
    if (!draft.text) els.point.value = pointText();
    els.point.setCustomValidity('');
    drawPlace();
    drawWard();
    drawDuplicates();
    loadCasesSoon();
  }
  setPick(lat, lon, place ? place.accuracy_m : null,
    lat === null ? null : (la, lo) => setPoint(la, lo, 'pin', null));
}

// What the point is: the chosen candidate and how exact, or "by hand".
function drawPlace() {
  if (!els) return;
  if (draft.lat === null) { fill(els.place, ''); return; }
  const p = draft.place;
  fill(els.place, p
    ? h('span', { dataset: { level: draft.level } }, h('strong', {}, p.label), ' ',
      t('geo.level.' + draft.level), ' ', t('geo.accuracy', { m: Math.round(p.accuracy_m) }),
      p.unmatched ? h('span', { class: 'muted' }, ' ' + t('geo.unmatched', { s: p.unmatched })) : null)
    : h('span', { dataset: { level: 'pin' } }, t('geo.level.pin')));
}

// The search box's candidates: fetched as the dispatcher types (the last
// answer wins), shown in a listbox, chosen by keyboard or mouse.
const search = { seq: 0, list: [], active: -1 };

function drawCandidates() {
  if (!els) return;
  const open = search.list.length > 0;
  els.point.setAttribute('aria-expanded', open ? 'true' : 'false');
  if (search.active >= 0) els.point.setAttribute('aria-activedescendant', 'intake-cand-' + search.active);
  else els.point.removeAttribute('aria-activedescendant');
  fill(els.cands, open ? search.list.map((c, i) => h('li', {
    id: 'intake-cand-' + i, role: 'option', class: 'cand' + (i === search.active ? ' active' : ''),
    'aria-selected': i === search.active ? 'true' : 'false', dataset: { level: c.level, match: c.match },
    onmousedown: (e) => { e.preventDefault(); choose(i); } },
  h('span', { class: 'cand-kind' }, t('geo.kind.' + c.kind)), ' ',
  h('strong', {}, c.label), ' ',
  h('span', { class: 'muted' }, t('geo.level.' + c.level) + ' ' + t('geo.accuracy', { m: Math.round(c.accuracy_m) })),
  c.match === 'fuzzy' || c.match === 'partial' ? h('em', { class: 'fuzzy' }, ' ' + t('geo.' + c.match)) : null,
  c.unmatched ? h('div', { class: 'muted small' }, t('geo.unmatched', { s: c.unmatched })) : null)) : null);
  els.cands.hidden = !open;
}

function closeCandidates() {
  search.list = [];
  search.active = -1;
  search.seq++;
  drawCandidates();
}

function choose(i) {
  const c = search.list[i];
  if (!c) return;
  draft.text = els.point.value.trim();
  closeCandidates();
  setPoint(c.lat, c.lon, c.level, c);
  const addr = els.form.elements.address;
  if (addr && !addr.value) addr.value = c.kind === 'address' && c.unmatched ? c.label + ' ' + c.unmatched : c.label.replace(/^#\d+ /, '');
  focusPick();
}

async function lookup() {
  if (!els) return;
  const q = els.point.value.trim();
  if (q === '' || parsePoint(q)) { closeCandidates(); return; }
  const seq = ++search.seq;
  const params = new URLSearchParams({ q: q.slice(0, 200), limit: '8' });
  if (draft.lat !== null) params.set('near', draft.lat.toFixed(6) + ',' + draft.lon.toFixed(6));
  let list = [];
  try { list = (await get('/api/v1/geocode?' + params)).candidates; } catch { list = []; }
  if (seq !== search.seq || !els) return;
  search.list = list;
  search.active = list.length > 0 ? 0 : -1;
  drawCandidates();
  if (list.length === 0) fill(els.place, h('span', { class: 'muted' }, t('geo.none')));
}
const lookupSoon = debounce(lookup, 200);

function searchKey(e) {
  if (e.isComposing) return;
  const n = search.list.length;
  if (e.key === 'ArrowDown' && n) { e.preventDefault(); search.active = (search.active + 1) % n; drawCandidates(); return; }
  if (e.key === 'ArrowUp' && n) { e.preventDefault(); search.active = (search.active - 1 + n) % n; drawCandidates(); return; }
  if (e.key === 'Escape' && n) { e.preventDefault(); e.stopPropagation(); closeCandidates(); return; }
  if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey) {
    // Enter chooses; it never registers a call from the search box.
    e.preventDefault();
    e.stopPropagation();
    if (n && search.active >= 0) choose(search.active);
    else {
      const p = parsePoint(els.point.value);
      if (p) { draft.text = ''; setPoint(p[0], p[1], 'pin', null); }
      else lookup();
    }
  }
}

// The resident's availability: quick choices fill the times; the date and
// times are read in the configured zone.
const AVAIL = [
  ['none', '', ''], ['morning', '09:00', '12:00'], ['afternoon', '13:00', '17:00'],
  ['after15', '15:00', ''], ['after17', '17:00', ''],
];

function availPick(key) {
  const f = els.form.elements;
  const a = AVAIL.find((x) => x[0] === key);
  f.avail_from.value = a[1];
  f.avail_to.value = a[2];
  if (!f.avail_date.value) f.avail_date.value = zoneDate();
  // A window already over today is meant for tomorrow.
  if (a[2] && f.avail_date.value === zoneDate() && new Date(zoneISO(f.avail_date.value, a[2])) <= new Date())
    f.avail_date.value = zoneDate(1);
  for (const b of els.avail.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.key === key));
}

function availability() {
  const f = els.form.elements;
  const date = f.avail_date.value || zoneDate();
  return {
    window_from: f.avail_from.value ? zoneISO(date, f.avail_from.value) : undefined,
    window_to: f.avail_to.value ? zoneISO(date, f.avail_to.value) : undefined,
  };
}

function availField() {
  els.avail = h('div', { class: 'quick', id: 'intake-avail-quick', role: 'group', 'aria-label': t('new.avail') },
    AVAIL.map(([key]) => h('button', { type: 'button', dataset: { key }, 'aria-pressed': 'false',
      onclick: () => availPick(key) }, t('new.avail.' + key))));
  return h('fieldset', { class: 'avail', id: 'intake-avail' }, h('legend', {}, t('new.avail')),
    els.avail,
    h('div', { class: 'row3' },
      h('label', {}, t('new.avail.date'), h('input', { name: 'avail_date', id: 'intake-avail-date', type: 'date', value: zoneDate() })),
      h('label', {}, t('new.avail.from'), h('input', { name: 'avail_from', id: 'intake-avail-from', type: 'time', step: 300 })),
      h('label', {}, t('new.avail.to'), h('input', { name: 'avail_to', id: 'intake-avail-to', type: 'time', step: 300 }))),
    h('div', { class: 'muted small' }, t('new.avail.hint')));
}

function text(form, name) {
  const v = form.elements[name].value.trim();
  return v === '' ? undefined : v;
}

async function submit(e) {
  e.preventDefault();
  const form = els.form;
  const typed = parsePoint(els.point.value);
  const p = draft.lat !== null ? [draft.lat, draft.lon] : typed;
  if (!p) {
    els.point.setCustomValidity(t('new.point.bad'));
    els.point.reportValidity();
    return;
  }
  if (!form.reportValidity()) return;
  const cat = S.categories.get(draft.category);
  const cb = form.elements.callback_at.value;
  const caller = { name: text(form, 'caller_name'), phone: text(form, 'caller_phone'), address: text(form, 'caller_address') };
  if (form.elements.caller_consent.checked) caller.consent = true;
  const body = {
    category: draft.category, channel: draft.channel, lat: p[0], lon: p[1],
    address: text(form, 'address'), description: text(form, 'description'),
    answers: answers(cat),
    caller: caller.name || caller.phone || caller.address || caller.consent ? caller : undefined,
    callback_at: cb ? new Date(cb).toISOString() : undefined,
    location_text: draft.text ? draft.text.slice(0, 500) : undefined,
    location_level: draft.lat !== null ? draft.level || 'pin' : 'pin',
    ...availability(),
  };
  els.submit.disabled = true;
  fill(els.result, '');
  // The same call sent again (the reply was lost) keeps its key: the
  // server answers the first result and records the call once.
  const sent = JSON.stringify(body);
  if (!draft.idem || draft.idem.sent !== sent) draft.idem = { sent, key: newIdempotencyKey() };
  try {
    const r = await postOnce('/api/v1/requests', body, draft.idem.key);
    draft.idem = null;
    created.set(r.id, r.duplicates || []);
    form.reset();
    draft.category = '';
    draft.lat = draft.lon = null;
    draft.text = '';
    draft.level = draft.place = null;
    closeCandidates();
    setPick(null);
    soonQueue();
    location.hash = '#/requests/' + r.id;
  } catch (err) {
    const msg = err instanceof ApiError ? err.message + (err.field && !err.named ? ' (' + err.field + ')' : '') : String(err);
    fill(els.result, h('p', { class: 'error', role: 'alert' }, t('error', { m: msg })));
  } finally {
    if (els) els.submit.disabled = false;
  }
}

export function render(panel) {
  const cats = [...S.categories.values()];
  const channels = ['phone', 'counter', 'patrol', 'app', 'petition'];
  els = {};
  els.questions = h('div', { id: 'intake-questions' });
  els.ward = h('span', { id: 'intake-ward', class: 'muted' });
  els.dups = h('div', { id: 'intake-dups' });
  els.recurring = h('div', { id: 'intake-recurring' });
  els.cases = h('div', { id: 'intake-cases' });
  els.result = h('div', { id: 'intake-result' });
  els.place = h('div', { id: 'intake-place', 'aria-live': 'polite' });
  els.cands = h('ul', { id: 'intake-candidates', role: 'listbox', class: 'candidates', hidden: true,
    'aria-label': t('geo.candidates') });
  els.script = h('p', { id: 'intake-script', class: 'script-box', hidden: true });
  els.point = h('input', { id: 'intake-point', name: 'point', required: true, placeholder: t('new.point.placeholder'),
    value: draft.text || pointText(), autocomplete: 'off', role: 'combobox', 'aria-autocomplete': 'list',
    'aria-controls': 'intake-candidates', 'aria-expanded': 'false', maxlength: 200,
    oninput: () => { els.point.setCustomValidity(''); lookupSoon(); },
    onkeydown: searchKey,
    onblur: () => setTimeout(() => { if (els && document.activeElement !== els.point) closeCandidates(); }, 150),
    onchange: (e) => {
      const p = parsePoint(e.target.value);
      if (p) { draft.text = ''; setPoint(p[0], p[1], 'pin', null); }
    } });
  els.description = h('textarea', { id: 'intake-description', name: 'description', rows: 2, maxlength: limit('description'),
    oninput: loadCasesSoon,
    onkeydown: (e) => { if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); els.form.requestSubmit(); } } });
  els.submit = h('button', { type: 'submit', id: 'intake-submit', class: 'primary' }, t('new.submit'));
  els.form = h('form', { id: 'intake-form', onsubmit: submit, novalidate: false,
    onkeydown: (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); els.form.requestSubmit(); } } },
  h('div', { class: 'row2' },
    h('label', {}, t('new.channel'), h('select', { id: 'intake-channel', name: 'channel',
      onchange: (e) => { draft.channel = e.target.value; } },
    channels.map((c) => h('option', { value: c, selected: c === draft.channel }, t('channel.' + c))))),
    h('label', {}, h('span', {}, t('new.category'), h('em', { class: 'req' }, ' *')),
      h('select', { id: 'intake-category', name: 'category', required: true,
        onchange: (e) => { draft.category = e.target.value; drawQuestions(); drawDuplicates(); loadCasesSoon(); } },
      h('option', { value: '' }, t('new.choose')),
      cats.map((c) => h('option', { value: c.code, selected: c.code === draft.category }, glyph(c.code) + ' ' + pick(c)))))),
  els.script,
  els.questions,
  h('div', { class: 'geosearch' },
    h('label', { for: 'intake-point' }, h('span', {}, t('new.point'), h('em', { class: 'req' }, ' *'))),
    els.point, els.cands, els.place, els.ward),
  els.recurring,
  h('section', { class: 'side dups' }, h('h3', {}, t('new.dups')), els.dups),
  h('label', {}, t('new.address'), h('input', { name: 'address', id: 'intake-address', maxlength: limit('address') })),
  h('label', {}, t('new.description'), els.description),
  h('fieldset', { class: 'caller' }, h('legend', {}, t('new.caller')),
    h('div', { class: 'row3' },
      h('label', {}, t('new.caller.name'), h('input', { name: 'caller_name', id: 'intake-caller-name', maxlength: limit('caller_name'), autocomplete: 'off' })),
      h('label', {}, t('new.caller.phone'), h('input', { name: 'caller_phone', id: 'intake-caller-phone', type: 'tel', maxlength: limit('phone'), autocomplete: 'off' })),
      h('label', {}, t('new.caller.address'), h('input', { name: 'caller_address', id: 'intake-caller-address', maxlength: limit('address'), autocomplete: 'off' }))),
    consentField()),
  availField(),
  h('div', { class: 'row2' },
    h('label', {}, t('new.callback'), h('input', { name: 'callback_at', id: 'intake-callback', type: 'datetime-local' })),
    h('div', { class: 'submit' }, els.submit, h('div', { class: 'muted small' }, t('new.submit.hint')))),
  els.result);
  fill(panel,
    h('div', { class: 'panel-head' }, h('h2', {}, t('new.title'))),
    h('div', { class: 'scroll intake' },
      els.form,
      h('section', { class: 'side' }, h('h3', {}, t('new.cases')), els.cases)));
  drawQuestions();
  drawWard();
  drawPlace();
  drawDuplicates();
  if (draft.lat !== null) setPick(draft.lat, draft.lon, draft.place ? draft.place.accuracy_m : null, (la, lo) => setPoint(la, lo, 'pin', null));
  loadCases();
  const offClick = on('map-click', (p) => setPoint(p.lat, p.lon, 'pin', null));
  const offQueue = on('queue', drawDuplicates);
  document.getElementById('intake-category').focus();
  return () => { offClick(); offQueue(); search.seq++; search.list = []; els = null; setPick(null); };
}
