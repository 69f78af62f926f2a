// The seasonal outlook and the recurring sites of a category: the
// server-drawn chart (PNG, no charting library), the peak and the crews it
// needs with the model in words, and the sites that come back every
// season, listed and drawn on the map.
import { getLang, pick, short } from '../i18n.js';
import { get } from '../api.js';
import { S, wardName, shortWard } from '../state.js';
import { h, fill } from '../util.js';
import { setOverlay } from '../map.js';
import { w } from '../insight.js';

const f = { category: 'wasp_nest', ward: '' };
let seq = 0;

function qs(extra) {
  const q = new URLSearchParams({ category: f.category, ...extra });
  if (f.ward) q.set('ward', f.ward);
  return q.toString();
}

// A small ring (about 25 m) for each site, so the map can style it.
function ring(lat, lon) {
  const dy = 25 / 111320, dx = dy / Math.cos((lat * Math.PI) / 180);
  const pts = [];
  for (let i = 0; i <= 12; i++) {
    const a = (i / 12) * 2 * Math.PI;
    pts.push([lon + dx * Math.cos(a), lat + dy * Math.sin(a)]);
  }
  return { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [pts] } };
}

function siteRow(s) {
  const last = s.last || {};
  const years = [...new Set((s.requests || []).map((r) => (r.created_at || '').slice(0, 7)))];
  return h('tr', { dataset: { site: String(s.site) } },
    h('td', {}, last.address || '', h('div', { class: 'muted' }, wardName(last.ward_code)),
      last.demo ? h('span', { class: 'badge demo' }, w('demo')) : null),
    h('td', { class: 'num' }, String(s.count), h('div', { class: 'muted small' }, s.first_season + '–' + s.last_season)),
    h('td', {}, years.join(', '), h('div', { class: 'small' }, (s.requests || []).map((r) => h('a', { href: '#/requests/' + r.id }, '#' + r.id + ' ')))),
    h('td', {}, h('strong', {}, getLang() === 'en' ? last.outcome_en || '' : last.outcome_ja || ''), last.crew ? ' (' + last.crew + ')' : '',
      last.note ? h('div', { class: 'note' }, last.note) : null));
}

async function load(els) {
  const my = ++seq;
  els.chart.src = '/api/v1/outlook/chart.png?' + qs({ lang: getLang() });
  els.chart.alt = w('outlook.chart');
  fill(els.summary, '…');
  fill(els.sites, '…');
  setOverlay(null);
  try {
    const o = await get('/api/v1/outlook?' + qs());
    if (my !== seq) return;
    const m = o.model || {};
    fill(els.summary,
      o.peak ? h('p', { class: 'peak', id: 'outlook-peak' }, h('strong', {}, w('outlook.peak', { w: o.peak.week, n: Math.round(o.peak.expected), c: o.peak.crews_needed })))
        : h('p', { class: 'muted', id: 'outlook-peak' }, w('outlook.nopeak')),
      h('details', { open: true }, h('summary', {}, w('outlook.model')),
        h('p', { id: 'outlook-explanation' }, getLang() === 'en' ? m.explanation_en : m.explanation_ja)));
  } catch (e) {
    if (my === seq) fill(els.summary, h('p', { class: 'error' }, e.message));
  }
  try {
    const r = await get('/api/v1/recurring?' + qs());
    if (my !== seq) return;
    setOverlay({ type: 'FeatureCollection', features: r.sites.map((s) => ring(s.lat, s.lon)) }, () => 'recurring-site');
    fill(els.sites,
      h('h3', {}, w('recurring.title', { n: r.sites_total })),
      h('p', { class: 'muted small' }, w('recurring.rule', { r: r.radius_m })),
      r.sites.length === 0 ? h('p', { class: 'muted' }, w('recurring.none'))
        : h('table', { class: 'grid', id: 'recurring-table' },
          h('thead', {}, h('tr', {}, ['recurring.col.place', 'recurring.col.count', 'recurring.col.when', 'recurring.col.last'].map((k) => h('th', {}, w(k))))),
          h('tbody', {}, r.sites.map(siteRow))));
  } catch (e) {
    if (my === seq) fill(els.sites, h('p', { class: 'error' }, e.message));
  }
}

export function render(panel) {
  const wards = S.wards.features.map((x) => x.properties).filter((p) => p && p.code);
  const els = { chart: h('img', { id: 'outlook-chart', class: 'chart', width: 960, height: 380 }),
    summary: h('div', { id: 'outlook-summary' }), sites: h('div', { id: 'recurring-sites' }) };
  if (!S.categories.has(f.category)) f.category = [...S.categories.keys()][0] || '';
  fill(panel,
    h('div', { class: 'panel-head' }, h('h2', {}, w('outlook.title'))),
    h('div', { class: 'filters' },
      h('select', { id: 'outlook-category', 'aria-label': 'category', onchange: (e) => { f.category = e.target.value; load(els); } },
        [...S.categories.values()].map((c) => h('option', { value: c.code, selected: c.code === f.category }, short(c)))),
      h('select', { id: 'outlook-ward', 'aria-label': 'ward', onchange: (e) => { f.ward = e.target.value; load(els); } },
        h('option', { value: '' }, pick({ name_ja: '全区', name_en: 'All wards' })),
        wards.map((x) => h('option', { value: x.code, selected: x.code === f.ward }, shortWard(x.name))))),
    h('div', { class: 'scroll' }, els.chart, els.summary, els.sites));
  load(els);
  return () => { seq++; setOverlay(null); };
}

