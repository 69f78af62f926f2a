// The hand-over directory: departments and outside bodies a case can be
// handed to. Staff read it (the hand-over form picks from it); admins add
// and remove entries here (or with patrolctl directory). Removing asks
// first; past hand-overs keep the entry.
import { t } from '../i18n.js';
import { get, post, api } from '../api.js';
import { isStaff, isAdmin } from '../state.js';
import { h, fill } from '../util.js';

let body = null;
let message = null;

async function load() {
  if (!body) return;
  let list;
  try { list = await get('/api/v1/directory'); } catch (e) {
    fill(body, h('p', { class: 'error' }, t('error', { m: e.message })));
    return;
  }
  if (!body) return;
  const cols = ['dir.name', 'dir.handles', 'dir.phone', 'dir.email', 'dir.hours'];
  const remove = async (d) => {
    if (!window.confirm(t('dir.confirm_remove', { n: d.name }))) return;
    message = null;
    try { await api('DELETE', '/api/v1/directory/' + d.id); } catch (e) { message = t('error', { m: e.message }); }
    load();
  };
  const rowOf = (d) => h('tr', { dataset: { id: String(d.id) } },
    h('td', {}, d.name, d.demo ? h('span', { class: 'tag' }, t('dir.demo')) : null),
    h('td', {}, d.handles || ''),
    h('td', {}, d.phone ? h('a', { href: 'tel:' + d.phone }, d.phone) : ''),
    h('td', {}, d.email),
    h('td', {}, d.hours || ''),
    isAdmin() ? h('td', {}, h('button', { type: 'button', class: 'small danger', onclick: () => remove(d) }, t('dir.remove'))) : null);
  const table = list.length === 0 ? h('p', { class: 'muted' }, t('dir.none')) : h('table', { class: 'grid', id: 'directory-table' },
    h('thead', {}, h('tr', {}, cols.map((k) => h('th', {}, t(k))), isAdmin() ? h('th', {}, '') : null)),
    h('tbody', {}, list.map(rowOf)));
  fill(body, message ? h('p', { class: 'error', role: 'alert' }, message) : null, table, isAdmin() ? addForm() : null);
}

function addForm() {
  const field = (name, key, attrs) => h('label', {}, t(key), h('input', { name, ...attrs }));
  return h('form', { id: 'directory-add', class: 'inline-form', onsubmit: async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const o = {};
    for (const k of ['name', 'handles', 'phone', 'email', 'hours']) if (f.get(k)) o[k] = f.get(k);
    message = null;
    try { await post('/api/v1/directory', o); } catch (err) { message = t('error', { m: err.message }); }
    load();
  } },
  field('name', 'dir.name', { required: true, maxlength: 200 }),
  field('handles', 'dir.handles', { maxlength: 1000 }),
  field('phone', 'dir.phone', { maxlength: 40 }),
  field('email', 'dir.email', { required: true, type: 'email', maxlength: 200 }),
  field('hours', 'dir.hours', { maxlength: 200 }),
  h('button', { type: 'submit' }, t('dir.add')));
}

export function render(panel) {
  if (!isStaff()) { fill(panel, h('p', { class: 'error' }, t('forbidden'))); return null; }
  message = null;
  body = h('div', { id: 'directory' }, '…');
  fill(panel, h('div', { class: 'panel-head' }, h('h2', {}, t('dir.title'))), h('div', { class: 'scroll' }, body));
  load();
  return () => { body = null; };
}
