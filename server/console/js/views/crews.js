// The crews board: status (staff can change it), open jobs, and how old
// each crew's last position is; a row click centres the map on the crew.
import { t, skill } from '../i18n.js';
import { api } from '../api.js';
import { S, on, isStaff, refreshCrews, officeName } from '../state.js';
import { h, fill, ago } from '../util.js';
import { focusOn } from '../map.js';

let tbody = null;

function statusCell(c) {
  if (!isStaff()) return h('td', {}, h('span', { class: 'cstatus cs-' + c.status }, t('crew.' + c.status)));
  return h('td', {}, h('select', {
    'aria-label': t('crews.status'), class: 'cs-' + c.status,
    onclick: (e) => e.stopPropagation(),
    onchange: async (e) => {
      try { await api('PATCH', '/api/v1/crews/' + c.id, { status: e.target.value }); } catch { /* redrawn below */ }
      refreshCrews().catch(() => {});
    },
  }, ['available', 'break', 'off_duty'].map((s) => h('option', { value: s, selected: s === c.status }, t('crew.' + s)))));
}

function draw() {
  if (!tbody) return;
  fill(tbody, S.crews.map((c) => {
    const age = c.position_at ? (Date.now() - new Date(c.position_at).getTime()) / 1000 : null;
    return h('tr', { dataset: { crew: c.code }, onclick: () => { if (typeof c.lat === 'number') focusOn(c.lat, c.lon, 15); } },
      h('td', {}, h('strong', {}, c.name), h('div', { class: 'muted' }, c.code)),
      h('td', {}, officeName(c.office)),
      h('td', {}, (c.skills || []).map(skill).join('・')),
      statusCell(c),
      h('td', { class: 'num' }, String(c.jobs)),
      h('td', { class: age === null || age > 600 ? 'stale' : '' }, age === null ? t('crews.nofix') : ago(age)),
      h('td', { class: 'muted' }, c.shift_start === c.shift_end ? t('shift.always') : (c.shift_start || '').slice(0, 5) + '–' + (c.shift_end || '').slice(0, 5)),
      h('td', { class: 'muted' }, (c.members || []).join('・')));
  }));
}

export function render(panel) {
  tbody = h('tbody', { id: 'crews-rows' });
  fill(panel,
    h('div', { class: 'panel-head' }, h('h2', {}, t('crews.title'))),
    h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'crews-table' },
      h('thead', {}, h('tr', {}, ['crews.code', 'crews.office', 'crews.skills', 'crews.status', 'crews.jobs', 'crews.fix', 'crews.shift', '']
        .map((k) => h('th', {}, k ? t(k) : '')))),
      tbody)));
  draw();
  refreshCrews().catch(() => {});
  const off = on('crews', draw);
  const timer = setInterval(draw, 15000);
  return () => { off(); clearInterval(timer); tbody = null; };
}
