// Pre-season notices: the consenting callers of a category's recurring
// sites, with their letters, as CSV for mail merge or printable letters,
// and "sent" recorded per person. Personal data: staff only, listed only
// when asked (every read is audited by the server).
import { short } from '../i18n.js';
import { get, post } from '../api.js';
import { S, wardName } from '../state.js';
import { h, fill, when } from '../util.js';
import { w } from '../insight.js';

const f = { category: 'wasp_nest', season: '' };

function defaultSeason() {
  const d = new Date();
  return d.getFullYear() + (d.getMonth() >= 10 ? 1 : 0);
}

function qs(extra) {
  return new URLSearchParams({ category: f.category, season: f.season, ...extra }).toString();
}

function row(n, redraw) {
  const sent = n.sent_at ? h('span', { class: 'ok' }, w('notices.sent', { d: when(n.sent_at) }))
    : h('button', { type: 'button', class: 'small', onclick: async (e) => {
      e.target.disabled = true;
      try {
        const r = await post('/api/v1/notices/sent', { caller_id: n.caller_id, request_id: n.request_id, season: Number(f.season), method: 'letter' });
        n.sent_at = r.sent_at;
      } catch (err) { e.target.disabled = false; e.target.title = err.message; return; }
      redraw();
    } }, w('notices.send'));
  return h('tr', { dataset: { caller: String(n.caller_id) } },
    h('td', {}, n.name || ''), h('td', {}, n.address || '', h('div', { class: 'muted small' }, n.phone || '')),
    h('td', {}, n.place || '', h('div', { class: 'muted small' }, wardName(n.ward_code) + ' #' + n.request_id + ' · ' + w('notices.seasons', { n: n.seasons }))),
    h('td', {}, when(n.consent_at)), h('td', {}, sent));
}

async function load(out) {
  fill(out, '…');
  let r;
  try { r = await get('/api/v1/notices?' + qs()); } catch (e) { fill(out, h('p', { class: 'error' }, e.message)); return; }
  const draw = () => fill(out,
    h('p', { id: 'notices-count' }, w('notices.count', { n: r.notices.length, s: r.sites })),
    h('div', { class: 'downloads' },
      h('a', { class: 'button', id: 'notices-csv', href: '/api/v1/notices?' + qs({ format: 'csv' }), download: '' }, w('notices.csv')), ' ',
      h('a', { class: 'button', id: 'notices-letters', href: '/api/v1/notices?' + qs({ format: 'html' }), target: '_blank', rel: 'noopener' }, w('notices.letters'))),
    r.notices.length === 0 ? h('p', { class: 'muted' }, w('notices.none'))
      : h('table', { class: 'grid', id: 'notices-table' },
        h('thead', {}, h('tr', {}, ['notices.col.name', 'notices.col.address', 'notices.col.place', 'notices.col.consent', 'notices.col.sent'].map((k) => h('th', {}, w(k))))),
        h('tbody', {}, r.notices.map((n) => row(n, draw)))));
  draw();
}

export function render(panel) {
  if (!f.season) f.season = String(defaultSeason());
  const out = h('div', { id: 'notices' });
  fill(panel,
    h('div', { class: 'panel-head' }, h('h2', {}, w('notices.title'))),
    h('p', { class: 'muted small' }, w('notices.hint')),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); load(out); } },
      h('select', { id: 'notices-category', 'aria-label': 'category', onchange: (e) => { f.category = e.target.value; fill(out, ''); } },
        [...S.categories.values()].map((c) => h('option', { value: c.code, selected: c.code === f.category }, short(c)))),
      h('label', {}, w('notices.season'), h('input', { id: 'notices-season', type: 'number', min: 2000, max: 2100, value: f.season,
        onchange: (e) => { f.season = e.target.value; fill(out, ''); } })),
      h('button', { type: 'submit', id: 'notices-load', class: 'primary' }, w('notices.load'))),
    h('div', { class: 'scroll' }, out));
  return null;
}
