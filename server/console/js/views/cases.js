// Past cases (過去事例) for new staff: free text in Japanese (巣なし finds
// the no-nest visits), category, ward, place, outcome and dates, showing
// what was done, the crew's note, who handled it and what the caller was
// told. GET /api/v1/cases returns no caller data, for any role.
import { pick, short } from '../i18n.js';
import { get } from '../api.js';
import { S, category, wardName, shortWard } from '../state.js';
import { h, fill, when } from '../util.js';
import { glyph, group } from '../map.js';
import { w } from '../insight.js';

const f = { q: '', category: '', ward: '', place: '', outcome: '', from: '', to: '' };
let seq = 0;

function outcomes() {
  const cats = f.category ? [category(f.category)] : [...S.categories.values()];
  const seen = new Map();
  for (const c of cats) for (const o of c.outcomes || []) if (!seen.has(o.code)) seen.set(o.code, o);
  return [...seen.values()];
}

function row(c) {
  return h('tr', { dataset: { id: String(c.id) } },
    h('td', { class: 'num' }, h('a', { href: '#/requests/' + c.id }, '#' + c.id), h('div', { class: 'muted small' }, when(c.created_at)),
      c.demo ? h('span', { class: 'badge demo' }, w('demo')) : null),
    h('td', {}, h('span', { class: 'glyph cat-' + group(c.category) }, glyph(c.category)), ' ', short(category(c.category)),
      h('div', {}, c.address || ''), h('div', { class: 'muted' }, wardName(c.ward_code)),
      h('div', { class: 'muted small' }, (c.description || '').slice(0, 120))),
    h('td', {}, h('strong', { class: 'outcome' }, pick({ name_ja: c.outcome_ja || c.outcome || '', name_en: c.outcome_en || c.outcome || '' })),
      (c.notes || []).map((n) => h('div', { class: 'note' }, n))),
    h('td', {}, (c.explained || []).map((n) => h('div', { class: 'note' }, n))),
    h('td', {}, c.crew || ''));
}

async function search(out, count) {
  const my = ++seq;
  const q = new URLSearchParams({ limit: '200' });
  for (const [k, v] of Object.entries(f)) if (v) q.set(k, v);
  fill(count, '…');
  let list;
  try { list = await get('/api/v1/cases?' + q); } catch (e) {
    if (my === seq) fill(out, h('p', { class: 'error' }, e.message));
    return;
  }
  if (my !== seq) return;
  fill(count, w(list.length >= 200 ? 'cases.count.more' : 'cases.count', { n: list.length }));
  fill(out, list.length === 0 ? h('p', { class: 'muted', id: 'cases-empty' }, w('cases.none'))
    : h('table', { class: 'grid', id: 'cases-table' },
      h('thead', {}, h('tr', {}, ['cases.col.date', 'cases.col.what', 'cases.col.done', 'cases.col.told', 'cases.col.crew']
        .map((k) => h('th', {}, w(k))))),
      h('tbody', {}, list.map(row))));
}

export function render(panel) {
  const out = h('div', { id: 'cases-results' });
  const count = h('span', { class: 'muted', id: 'cases-count' });
  const wards = S.wards.features.map((x) => x.properties).filter((p) => p && p.code);
  const outcomeSel = h('select', { id: 'cases-outcome', 'aria-label': w('cases.outcome'), onchange: (e) => { f.outcome = e.target.value; } });
  const drawOutcomes = () => fill(outcomeSel, h('option', { value: '' }, w('cases.any')),
    outcomes().map((o) => h('option', { value: o.code, selected: o.code === f.outcome }, pick(o))));
  drawOutcomes();
  const input = (name, props) => h('input', { id: 'cases-' + name, value: f[name], ...props,
    oninput: (e) => { f[name] = e.target.value.trim(); } });
  fill(panel,
    h('div', { class: 'panel-head' }, h('h2', {}, w('cases.title')), count),
    h('p', { class: 'muted small' }, w('cases.hint')),
    h('form', { class: 'filters', id: 'cases-form', onsubmit: (e) => { e.preventDefault(); search(out, count); } },
      h('label', {}, w('cases.q'), input('q', { type: 'search', maxlength: 200, placeholder: '巣なし' })),
      h('label', {}, w('cases.category'), h('select', { id: 'cases-category', onchange: (e) => { f.category = e.target.value; f.outcome = ''; drawOutcomes(); } },
        h('option', { value: '' }, w('cases.any')),
        [...S.categories.values()].map((c) => h('option', { value: c.code, selected: c.code === f.category }, short(c))))),
      h('label', {}, w('cases.ward'), h('select', { id: 'cases-ward', onchange: (e) => { f.ward = e.target.value; } },
        h('option', { value: '' }, w('cases.any')),
        wards.map((x) => h('option', { value: x.code, selected: x.code === f.ward }, shortWard(x.name))))),
      h('label', {}, w('cases.place'), input('place', { type: 'search', maxlength: 200 })),
      h('label', {}, w('cases.outcome'), outcomeSel),
      h('label', {}, w('cases.from'), input('from', { type: 'date' })),
      h('label', {}, w('cases.to'), input('to', { type: 'date' })),
      h('button', { type: 'submit', id: 'cases-search', class: 'primary' }, w('cases.search'))),
    h('div', { class: 'scroll' }, out));
  search(out, count);
  document.getElementById('cases-q').focus();
  return () => { seq++; };
}
