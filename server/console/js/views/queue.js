// The queue: open requests as the API sorts them (escalated first, then
// priority, then the make-safe deadline), with filters. j/k move the
// selection, Enter opens it, / jumps to the text filter.
import { t, pick, short } from '../i18n.js';
import { get } from '../api.js';
import { S, on, category, wardName, shortWard, crew } from '../state.js';
import { h, fill, span, debounce, clock, day, when, metres } from '../util.js';
import { glyph, group } from '../map.js';
import { inSet } from '../lifecycle.js';

const filters = { state: 'open', category: '', ward: '', text: '' };
let rows = [];
let index = -1;
let tbody = null;
let countEl = null;

// Closed requests also match on their notes and outcome (in words), which
// the list does not carry: the server's past-case search finds those ids.
let noteIds = new Set();
let noteSeq = 0;

// The / filter: every word typed must match. "#12" is request 12; a bare
// number matches whole numbers only (#12 and "12番地", not 112 or 0120);
// other words match anywhere (Japanese has no spaces).
function tokenMatch(tok, fields, id) {
  if (/^#\d+$/.test(tok)) return id === Number(tok.slice(1)); // "#12": that request
  const num = /^(\d+)$/.exec(tok);
  if (num) {
    const re = new RegExp('(^|[^0-9])' + num[1] + '(?![0-9])');
    return fields.some((v) => v && re.test(v));
  }
  return fields.some((v) => v && v.toLowerCase().includes(tok));
}

function matches(r) {
  if (!filters.text.trim()) return true;
  if (noteIds.has(r.id)) return true;
  const fields = ['#' + r.id, r.address, r.description, pick(category(r.category)), wardName(r.ward_code)];
  return filters.text.toLowerCase().split(/\s+/).filter(Boolean).every((tok) => tokenMatch(tok, fields, r.id));
}

async function searchNotes() {
  const my = ++noteSeq;
  noteIds = new Set();
  if (filters.state === 'open' || filters.text.trim().length < 1) { draw(); return; }
  const q = new URLSearchParams({ q: filters.text.trim().slice(0, 200), limit: '500' });
  if (filters.category) q.set('category', filters.category);
  if (filters.ward) q.set('ward', filters.ward);
  let list = [];
  try { list = await get('/api/v1/cases?' + q); } catch { list = []; }
  if (my !== noteSeq) return;
  noteIds = new Set(list.map((c) => c.id));
  draw();
}
const searchNotesSoon = debounce(searchNotes, 300);

function dueCell(r) {
  if (!r.due_make_safe || inSet('closed', r.state)) return h('td', {});
  const mins = (new Date(r.due_make_safe).getTime() - Date.now()) / 60000;
  return h('td', { class: mins < 0 ? 'due over' : mins < 30 ? 'due soon' : 'due' },
    mins < 0 ? t('due.over', { t: span(mins) }) : t('due.left', { t: span(mins) }));
}

// No ward while wards are loaded: the place is over the city line, to be
// handed over rather than dispatched; shown as a badge, not a dash.
function wardCell(r) {
  if (r.ward_code) return wardName(r.ward_code);
  if (!(S.wards && S.wards.features && S.wards.features.length)) return t('ward.unknown');
  return h('span', { class: 'outside-ward', title: t('outside.hint') }, t('outside.badge'));
}

// Likely duplicates: another open request of the same category nearby.
function duplicateIds(list) {
  const radius = S.config.dup_radius_m || 250;
  const ids = new Set();
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i], b = list[j];
      if (a.category !== b.category || Math.abs(a.lat - b.lat) > 0.01) continue;
      if (metres(a.lat, a.lon, b.lat, b.lon) <= radius) { ids.add(a.id); ids.add(b.id); }
    }
  }
  return ids;
}

// Small signs after the id: what needs an eye at peak.
function marks(r, dups) {
  const m = [];
  if (S.callbacksDue && S.callbacksDue.has(r.id)) m.push(['cb', '☎', t('mark.callback')]);
  if (r.escalated_at) m.push(['esc', '!', t('escalated')]);
  if (dups.has(r.id)) m.push(['dup', t('mark.dup.short'), t('mark.dup')]);
  if (r.survey_due) m.push(['svy', t('mark.survey.short'), t('mark.survey')]);
  return m.map(([k, text, title]) => h('span', { class: 'mark mk-' + k, title, 'aria-label': title }, text));
}

// Received today: the time; earlier: the date too.
function received(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return day(iso) === day(new Date().toISOString()) && Date.now() - d.getTime() < 86400000 ? clock(iso) : day(iso);
}

function row(r, i, dups) {
  const c = r.crew_id ? crew(r.crew_id) : null;
  const cat = category(r.category);
  return h('tr', {
    class: (i === index ? 'sel' : '') + (r.escalated_at ? ' esc' : '') +
      (S.callbacksDue && S.callbacksDue.has(r.id) ? ' cb-due' : ''),
    dataset: { id: String(r.id) },
    onclick: () => { index = i; location.hash = '#/requests/' + r.id; },
  },
  h('td', { class: 'num' }, '#' + r.id, marks(r, dups)),
  h('td', {}, h('span', { class: 'prio p' + r.priority }, t('prio.' + r.priority))),
  h('td', { class: 'cat', title: pick(cat) }, h('span', { class: 'glyph cat-' + group(r.category) }, glyph(r.category)), ' ', short(cat)),
  // One line: the place, then what was said (both whole in the title).
  h('td', { class: 'place', title: [r.address, r.town ? t('geo.town', { t: r.town }) : '', r.description].filter(Boolean).join('\n') },
    r.address || '',
    r.town ? h('span', { class: 'town muted small' }, (r.address ? ' ' : '') + t('geo.town', { t: r.town })) : null,
    r.description ? h('span', { class: 'muted' }, ' ' + r.description) : null),
  h('td', { class: 'ward' }, wardCell(r)),
  h('td', { class: 'recv', title: when(r.created_at) }, received(r.created_at)),
  h('td', {}, h('span', { class: 'state st-' + r.state }, t('state.' + r.state))),
  dueCell(r),
  h('td', { class: 'crewcell', title: c ? c.name : '' }, c ? c.name : ''));
}

function draw() {
  if (!tbody) return;
  const shown = rows.filter(matches);
  if (index >= shown.length) index = shown.length - 1;
  const dups = duplicateIds(rows);
  fill(tbody, shown.length === 0
    ? h('tr', {}, h('td', { colspan: 9, class: 'empty' }, t('queue.empty')))
    : shown.map((r, i) => row(r, i, dups)));
  fill(countEl, t('queue.count', { n: shown.length }));
  const sel = tbody.querySelector('tr.sel');
  if (sel) sel.scrollIntoView({ block: 'nearest' });
}

async function load() {
  if (filters.state === 'open' && !filters.category && !filters.ward) {
    rows = S.queue;
  } else {
    const q = new URLSearchParams({ state: filters.state, limit: '500' });
    if (filters.category) q.set('category', filters.category);
    if (filters.ward) q.set('ward', filters.ward);
    try { rows = await get('/api/v1/requests?' + q); } catch { rows = []; }
  }
  draw();
  if (filters.text) searchNotes();
}

function select(name, value, options, onchange) {
  return h('select', { id: 'queue-' + name, 'aria-label': name, onchange },
    options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

export function render(panel) {
  const cats = [...S.categories.values()];
  const wards = S.wards.features.map((f) => f.properties).filter((p) => p && p.code);
  countEl = h('span', { class: 'muted' });
  tbody = h('tbody', { id: 'queue-rows' });
  fill(panel,
    h('div', { class: 'panel-head' }, h('h2', {}, t('queue.title')), countEl),
    h('div', { class: 'filters' },
      select('state', filters.state, [['open', t('queue.state.open')], ['closed', t('queue.state.closed')], ['all', t('queue.state.all')]],
        (e) => { filters.state = e.target.value; load(); }),
      select('category', filters.category, [['', t('queue.allcats')]].concat(cats.map((c) => [c.code, short(c)])),
        (e) => { filters.category = e.target.value; load(); }),
      select('ward', filters.ward, [['', t('queue.allwards')]].concat(wards.map((w) => [w.code, shortWard(w.name)])),
        (e) => { filters.ward = e.target.value; load(); }),
      h('input', { id: 'queue-filter', type: 'search', placeholder: t('queue.filter'), value: filters.text,
        oninput: (e) => { filters.text = e.target.value; index = 0; draw(); searchNotesSoon(); },
        onkeydown: (e) => {
          if (e.key === 'Enter') { e.preventDefault(); if (index < 0) index = 0; e.target.blur(); draw(); }
        } })),
    h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'queue-table' },
      h('colgroup', {}, ['id', 'prio', 'cat', 'place', 'ward', 'recv', 'state', 'due', 'crew'].map((k) => h('col', { class: 'c-' + k }))),
      h('thead', {}, h('tr', {}, ['col.id', 'col.prio', 'col.category', 'col.place', 'col.ward', 'col.received', 'col.state', 'col.due', 'col.crew']
        .map((k) => h('th', {}, t(k))))),
      tbody)));
  load();
  const offQueue = on('queue', load);
  const offCrews = on('crews', draw);
  const offDue = on('callbacks-due', draw);
  const timer = setInterval(draw, 30000); // the due column counts down
  return () => { offQueue(); offCrews(); offDue(); clearInterval(timer); tbody = null; };
}

// Keyboard: j/k, Enter, /.
export function move(delta) {
  const n = rows.filter(matches).length;
  if (n === 0) return;
  index = index < 0 ? 0 : Math.min(n - 1, Math.max(0, index + delta));
  draw();
  const r = rows.filter(matches)[index];
  if (r) { S.selected = r.id; import('../map.js').then((m) => { m.renderRequests(); }); }
}

export function openSelected() {
  const r = rows.filter(matches)[index];
  if (r) location.hash = '#/requests/' + r.id;
}

export function focusFilter() {
  const f = document.getElementById('queue-filter');
  if (f) { f.focus(); f.select(); }
}
