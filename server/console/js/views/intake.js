// Taking a phone call: channel, category and its questions, the point
// (click the map, or type "lat, lon"), the place, the caller, a promised
// call-back time. While the call is taken it shows open requests of the
// same category nearby (likely the same problem) and similar past cases,
// by place and by the words typed. Tab moves through the form; Enter or
// Ctrl+Enter registers.
import { t, pick } from '../i18n.js';
import { get, post, ApiError } from '../api.js';
import { S, on, category, shortWard, soonQueue } from '../state.js';
import { h, fill, when, metres, wardAt, debounce } from '../util.js';
import { setPick, glyph, group } from '../map.js';

// Kept while the dispatcher looks elsewhere (e.g. at the map view).
const draft = { channel: 'phone', category: '', lat: null, lon: null };
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
}

function drawWard() {
  if (draft.lat === null) { fill(els.ward, ''); return; }
  const f = wardAt(S.wards, draft.lon, draft.lat);
  fill(els.ward, t('new.ward', { w: f ? shortWard(f.properties.name) : t('new.noward') }));
}

// Open requests of the chosen category near the point, nearest first.
function drawDuplicates() {
  if (!els) return;
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
      h('div', { class: 'muted' }, when(r.created_at))))));
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

function setPoint(lat, lon) {
  draft.lat = lat;
  draft.lon = lon;
  if (els) {
    els.point.value = pointText();
    els.point.setCustomValidity('');
    drawWard();
    drawDuplicates();
    loadCasesSoon();
  }
  setPick(lat, lon);
}

function text(form, name) {
  const v = form.elements[name].value.trim();
  return v === '' ? undefined : v;
}

async function submit(e) {
  e.preventDefault();
  const form = els.form;
  const p = parsePoint(els.point.value);
  if (!p) {
    els.point.setCustomValidity(t('new.point.bad'));
    els.point.reportValidity();
    return;
  }
  if (!form.reportValidity()) return;
  const cat = S.categories.get(draft.category);
  const cb = form.elements.callback_at.value;
  const caller = { name: text(form, 'caller_name'), phone: text(form, 'caller_phone'), address: text(form, 'caller_address') };
  const body = {
    category: draft.category, channel: draft.channel, lat: p[0], lon: p[1],
    address: text(form, 'address'), description: text(form, 'description'),
    answers: answers(cat),
    caller: caller.name || caller.phone || caller.address ? caller : undefined,
    callback_at: cb ? new Date(cb).toISOString() : undefined,
  };
  els.submit.disabled = true;
  fill(els.result, '');
  try {
    const r = await post('/api/v1/requests', body);
    created.set(r.id, r.duplicates || []);
    form.reset();
    draft.category = '';
    draft.lat = draft.lon = null;
    setPick(null);
    soonQueue();
    location.hash = '#/requests/' + r.id;
  } catch (err) {
    const msg = err instanceof ApiError ? err.message + (err.field ? ' (' + err.field + ')' : '') : String(err);
    fill(els.result, h('p', { class: 'error', role: 'alert' }, t('error', { m: msg })));
  } finally {
    if (els) els.submit.disabled = false;
  }
}

export function render(panel) {
  const cats = [...S.categories.values()];
  const channels = ['phone', 'counter', 'patrol', 'app'];
  els = {};
  els.questions = h('div', { id: 'intake-questions' });
  els.ward = h('span', { id: 'intake-ward', class: 'muted' });
  els.dups = h('div', { id: 'intake-dups' });
  els.cases = h('div', { id: 'intake-cases' });
  els.result = h('div', { id: 'intake-result' });
  els.point = h('input', { id: 'intake-point', name: 'point', required: true, placeholder: t('new.point.placeholder'),
    value: pointText(), autocomplete: 'off',
    onchange: (e) => {
      const p = parsePoint(e.target.value);
      if (p) setPoint(p[0], p[1]);
      else e.target.setCustomValidity(e.target.value ? t('new.point.bad') : '');
    } });
  els.description = h('textarea', { id: 'intake-description', name: 'description', rows: 2, maxlength: 4000,
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
  els.questions,
  h('label', {}, h('span', {}, t('new.point'), h('em', { class: 'req' }, ' *')), els.point, els.ward),
  h('section', { class: 'side dups' }, h('h3', {}, t('new.dups')), els.dups),
  h('label', {}, t('new.address'), h('input', { name: 'address', id: 'intake-address', maxlength: 500 })),
  h('label', {}, t('new.description'), els.description),
  h('fieldset', { class: 'caller' }, h('legend', {}, t('new.caller')),
    h('div', { class: 'row3' },
      h('label', {}, t('new.caller.name'), h('input', { name: 'caller_name', id: 'intake-caller-name', maxlength: 100, autocomplete: 'off' })),
      h('label', {}, t('new.caller.phone'), h('input', { name: 'caller_phone', id: 'intake-caller-phone', type: 'tel', maxlength: 40, autocomplete: 'off' })),
      h('label', {}, t('new.caller.address'), h('input', { name: 'caller_address', id: 'intake-caller-address', maxlength: 300, autocomplete: 'off' })))),
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
  drawDuplicates();
  if (draft.lat !== null) setPick(draft.lat, draft.lon);
  loadCases();
  const offClick = on('map-click', (p) => setPoint(p.lat, p.lon));
  const offQueue = on('queue', drawDuplicates);
  document.getElementById('intake-category').focus();
  return () => { offClick(); offQueue(); els = null; setPick(null); };
}
