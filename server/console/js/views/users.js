// Users and roles (admin only). Adding and disabling users stays with
// patrolctl, which also sets passwords without them passing a browser.
import { t } from '../i18n.js';
import { get } from '../api.js';
import { isAdmin } from '../state.js';
import { h, fill, when } from '../util.js';

export function render(panel) {
  if (!isAdmin()) { fill(panel, h('p', { class: 'error' }, t('forbidden'))); return null; }
  const body = h('div', {}, '…');
  fill(panel, h('div', { class: 'panel-head' }, h('h2', {}, t('users.title'))),
    h('div', { class: 'scroll' }, body, h('p', { class: 'muted' }, t('users.hint'))));
  get('/api/v1/users').then((list) => {
    fill(body, h('table', { class: 'grid', id: 'users-table' },
      h('thead', {}, h('tr', {}, ['users.name', 'users.display', 'users.role', 'users.active', 'users.password', 'users.last'].map((k) => h('th', {}, t(k))))),
      h('tbody', {}, list.map((u) => h('tr', { class: u.active ? '' : 'inactive', dataset: { user: u.name } },
        h('td', {}, u.name), h('td', {}, u.display_name), h('td', {}, t('role.' + u.role) + (u.crew ? '（' + u.crew + '）' : '')),
        h('td', {}, u.active ? t('yes') : t('no')), h('td', {}, u.has_password ? t('yes') : t('no')),
        h('td', {}, u.last_login ? when(u.last_login) : '—'))))));
  }).catch((e) => fill(body, h('p', { class: 'error' }, t('error', { m: e.message }))));
  return null;
}
