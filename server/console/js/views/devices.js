// The crews' handhelds: enrol one (a one-time code, shown once, valid for
// 15 minutes) and revoke a lost one (its next sync is refused and it wipes
// the callers' data it holds). Supervisors and admins only.
import { t } from '../i18n.js';
import { get, post } from '../api.js';
import { S } from '../state.js';
import { h, fill, when } from '../util.js';

function canManage() {
  return !!S.me && ['supervisor', 'admin'].includes(S.me.role);
}

// People, not log-in names: the crew's name ("宮前 蜂1班"), its code in the title.
function crewName(code) {
  const c = S.crews.find((x) => x.code === code);
  return c ? c.name : code;
}

export function render(panel) {
  if (!S.me || !['dispatcher', 'supervisor', 'admin'].includes(S.me.role)) {
    fill(panel, h('p', { class: 'error' }, t('forbidden')));
    return null;
  }
  const list = h('div', {}, '…');
  const result = h('div', { id: 'enroll-result', 'aria-live': 'polite' });
  const crewSelect = h('select', { id: 'enroll-crew' },
    S.crews.map((c) => h('option', { value: c.code }, c.name + ' (' + c.code + ')')));
  const enroll = h('button', { id: 'enroll-button', type: 'button' }, t('devices.enroll'));
  enroll.addEventListener('click', async () => {
    try {
      const r = await post('/api/v1/devices/enroll', { crew: crewSelect.value });
      fill(result, h('p', {}, t('devices.code', { crew: crewName(r.crew) })),
        h('p', { class: 'code', id: 'enroll-code' }, r.code),
        h('p', { class: 'muted' }, t('devices.expires', { at: when(r.expires_at) })));
    } catch (e) {
      fill(result, h('p', { class: 'error' }, t('error', { m: e.message })));
    }
  });
  const reload = () => get('/api/v1/devices').then((devices) => {
    fill(list, devices.length === 0 ? h('p', { class: 'muted' }, t('devices.none')) :
      h('table', { class: 'grid', id: 'devices-table' },
        h('thead', {}, h('tr', {}, ['devices.id', 'devices.crew', 'devices.version', 'devices.enrolled', 'devices.last_sync', 'devices.state', ''].map((k) => h('th', {}, k ? t(k) : '')))),
        h('tbody', {}, devices.map((d) => {
          const revoke = canManage() && d.state === 'active'
            ? h('button', { type: 'button', class: 'danger', dataset: { device: String(d.id) } }, t('devices.revoke'))
            : '';
          if (revoke) {
            revoke.addEventListener('click', async () => {
              if (!window.confirm(t('devices.confirm', { id: d.id }))) return;
              try { await post('/api/v1/devices/' + d.id + '/revoke'); reload(); } catch (e) {
                fill(result, h('p', { class: 'error' }, t('error', { m: e.message })));
              }
            });
          }
          return h('tr', { class: d.state === 'active' ? '' : 'inactive' },
            h('td', {}, String(d.id)), h('td', { title: d.crew }, crewName(d.crew)), h('td', {}, d.agent_version || '—'),
            h('td', {}, d.enrolled_at), h('td', {}, d.last_sync_at),
            h('td', {}, t('devices.state.' + d.state)), h('td', {}, revoke));
        }))));
  }).catch((e) => fill(list, h('p', { class: 'error' }, t('error', { m: e.message }))));
  fill(panel, h('div', { class: 'panel-head' }, h('h2', {}, t('devices.title'))),
    h('div', { class: 'scroll' },
      canManage() ? h('div', { class: 'enroll' }, h('label', { for: 'enroll-crew' }, t('devices.crew')), crewSelect, enroll, result) : '',
      list, h('p', { class: 'muted' }, t('devices.hint'))));
  reload();
  return null;
}
