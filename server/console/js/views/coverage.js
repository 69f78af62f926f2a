// Weekly patrol coverage (GET /api/v1/coverage/{week}.{format}): the
// network's pieces on the map (inspected on time, overdue, not due), the
// per-ward table, and the four downloads. A week not archived yet is
// computed by the server on the spot, which can take a while.
import { t, getLang } from '../i18n.js';
import { w } from '../insight.js';
import { get, ApiError } from '../api.js';
import { S, shortWard } from '../state.js';
import { h, fill, date } from '../util.js';
import { setOverlay } from '../map.js';

// The summary per ward is a CSV of its own; CSVs follow the console's language.
const FORMATS = [['png', 'PNG'], ['geojson', 'GeoJSON'], ['kml', 'KML'], ['csv', 'CSV'], ['summary.csv', 'coverage.summary.csv']];
let week = null;
let ward = '';
let seq = 0;

// "2026-W47" for the ISO week holding d.
export function isoWeek(d) {
  const x = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  const day = x.getUTCDay() || 7;
  x.setUTCDate(x.getUTCDate() + 4 - day);
  const y = x.getUTCFullYear();
  const w = Math.ceil(((x - Date.UTC(y, 0, 1)) / 86400000 + 1) / 7);
  return y + '-W' + String(w).padStart(2, '0');
}

function lastWeek() { return isoWeek(new Date(Date.now() - 7 * 86400000)); }

function url(fmt) {
  const q = new URLSearchParams();
  if (ward) q.set('ward', ward);
  if (fmt.endsWith('csv') && getLang() === 'en') q.set('locale', 'en');
  return '/api/v1/coverage/' + encodeURIComponent(week) + '.' + fmt + (q.size ? '?' + q : '');
}

function pct(a, b) { return b > 0 ? Math.round((1000 * a) / b) / 10 + ' %' : '—'; }

// The summary's rows (ward x kind x class) added up per ward.
function table(summary) {
  const by = new Map();
  for (const s of summary || []) {
    const k = s.ward_code || '';
    const w = by.get(k) || { name: s.ward_name || s.ward_code || '—', due: 0, on_time: 0, overdue: 0, km_due: 0, km_on_time: 0 };
    w.due += s.due || 0; w.on_time += s.on_time || 0; w.overdue += s.overdue || 0;
    w.km_due += s.km_due || 0; w.km_on_time += s.km_on_time || 0;
    by.set(k, w);
  }
  const rows = [...by.values()];
  if (rows.length === 0) return h('p', { class: 'muted' }, t('coverage.empty'));
  return h('table', { class: 'grid', id: 'coverage-table' },
    h('thead', {}, h('tr', {}, ['col.ward', 'coverage.due', 'coverage.on_time', 'coverage.overdue', 'coverage.share', 'coverage.km'].map((k) => h('th', {}, t(k))))),
    h('tbody', {}, rows.map((w) => h('tr', {},
      h('td', {}, shortWard(w.name)), h('td', { class: 'num' }, String(w.due)), h('td', { class: 'num' }, String(w.on_time)),
      h('td', { class: 'num' + (w.overdue ? ' over' : '') }, String(w.overdue)), h('td', { class: 'num' }, pct(w.on_time, w.due)),
      h('td', { class: 'num' }, w.km_on_time.toFixed(1) + ' / ' + w.km_due.toFixed(1))))));
}

// Risk next to overdue (issue 17): pieces where defects recur, with the
// week's state of each, filled in when GET /api/v1/risk answers.
function riskTable(g) {
  const el = h('div', { id: 'risk' });
  const state = new Map((g.features || []).map((f) => [f.id, f.properties && f.properties.state]));
  get('/api/v1/risk' + (ward ? '?ward=' + encodeURIComponent(ward) : '')).then((r) => {
    const rows = (r.pieces || []).slice(0, 50);
    fill(el, h('h3', {}, w('risk.title')), h('p', { class: 'muted small' }, w('risk.rule')),
      rows.length === 0 ? h('p', { class: 'muted' }, w('risk.none'))
        : h('table', { class: 'grid', id: 'risk-table' },
          h('thead', {}, h('tr', {}, ['risk.col.piece', 'risk.col.why', 'risk.col.interval', 'risk.col.state'].map((k) => h('th', {}, w(k))))),
          h('tbody', {}, rows.map((p) => {
            const st = state.get(p.piece_id);
            return h('tr', { dataset: { piece: String(p.piece_id) } },
              h('td', {}, p.name || '#' + p.piece_id, h('div', { class: 'muted small', title: p.class }, t('lg.' + p.kind))),
              h('td', { class: p.count >= 3 ? 'risk-high' : '' }, getLang() === 'en' ? p.explanation_en : p.explanation_ja),
              h('td', { class: 'num' }, w('days', { n: p.interval_days }) + ' → ' + w('days', { n: p.suggested_interval_days })),
              h('td', { class: st === 'overdue' ? 'over' : '' }, st ? t('coverage.' + st) : '—'));
          }))));
  }).catch(() => {});
  return el;
}

async function load(body, links) {
  const my = ++seq;
  fill(links, FORMATS.map(([f, label]) => h('a', { class: 'button', href: url(f), download: '', dataset: { format: f } }, label.includes('.') ? t(label) : label)));
  fill(body, h('p', { class: 'muted' }, t('coverage.loading')));
  setOverlay(null);
  try {
    const g = await get(url('geojson'));
    if (my !== seq) return;
    setOverlay(g, (f) => 'cov-' + ((f.properties && f.properties.state) || 'unknown'));
    fill(body,
      g.start && g.end ? h('p', { class: 'muted', id: 'coverage-period' }, t('coverage.period', { a: date(g.start), b: date(g.end, true) })) : null,
      table(g.summary),
      riskTable(g),
      h('p', { class: 'legend-line' }, h('span', { class: 'covkey cov-inspected' }), t('coverage.inspected'), ' ',
        h('span', { class: 'covkey cov-overdue' }), t('coverage.overdue'), ' ',
        h('span', { class: 'covkey cov-not_due' }), t('coverage.not_due')));
  } catch (e) {
    if (my !== seq) return;
    fill(body, h('p', { class: 'error' }, e instanceof ApiError && e.status === 404 && e.code === 'not_found' && /resource/.test(e.detail)
      ? t('unavailable', { what: t('unavailable.coverage') }) : t('error', { m: e.message })));
  }
}

export function render(panel) {
  if (!week) week = lastWeek();
  const body = h('div', { id: 'coverage' });
  const links = h('div', { class: 'downloads', id: 'coverage-downloads' });
  const wards = S.wards.features.map((f) => f.properties).filter((p) => p && p.code);
  fill(panel,
    h('div', { class: 'panel-head' }, h('h2', {}, t('coverage.title'))),
    h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); load(body, links); } },
      h('input', { type: 'week', id: 'coverage-week', value: week, required: true, 'aria-label': t('coverage.week'),
        onchange: (e) => { if (e.target.value) { week = e.target.value; load(body, links); } } }),
      h('select', { id: 'coverage-ward', 'aria-label': t('col.ward'), onchange: (e) => { ward = e.target.value; load(body, links); } },
        h('option', { value: '' }, t('queue.allwards')),
        wards.map((w) => h('option', { value: w.code, selected: w.code === ward }, shortWard(w.name))))),
    h('div', { class: 'scroll' }, h('div', {}, h('span', { class: 'muted' }, t('coverage.download') + ' '), links), body));
  load(body, links);
  return () => { seq++; setOverlay(null); };
}
