// Call-backs: residents promised a call, and those to be told the outcome
// of a closed request; overdue ones first in red. Staff only (the API
// answers 403 to others, and reading callers is audited).
import { t, pick, short } from '../i18n.js';
import { get } from '../api.js';
import { on, isStaff, category } from '../state.js';
import { h, fill, when } from '../util.js';
import { callbackResults } from './detail.js';
import { askNotifications, touchesCallbacks } from '../reminders.js';

let body = null;
let onlyOverdue = false;

async function load() {
  if (!body) return;
  let list;
  try {
    list = await get('/api/v1/callbacks' + (onlyOverdue ? '?status=overdue' : ''));
  } catch (e) {
    fill(body, h('p', { class: 'error' }, t('error', { m: e.message })));
    return;
  }
  if (!body) return;
  fill(body, list.length === 0 ? h('p', { class: 'muted' }, t('callbacks.none')) : h('table', { class: 'grid', id: 'callbacks-table' },
    h('thead', {}, h('tr', {}, [t('callbacks.due'), t('col.id'), t('col.category'), t('col.state'), t('new.caller'), ''].map((x) => h('th', {}, x)))),
    h('tbody', {}, list.map((c) => {
      const cat = category(c.category);
      const out = (cat.outcomes || []).find((o) => o.code === c.outcome);
      return h('tr', { class: c.overdue ? 'overdue' : c.due ? 'due-now' : '', dataset: { id: String(c.request_id) } },
        h('td', {}, when(c.due_at), c.overdue ? h('div', { class: 'warn' }, t('callbacks.overdue')) : null,
          h('div', { class: 'muted' }, c.promised ? t('callbacks.promised') : t('callbacks.result'))),
        h('td', {}, h('a', { href: '#/requests/' + c.request_id }, '#' + c.request_id)),
        h('td', {}, short(cat)),
        h('td', {}, t('state.' + c.state), out ? h('div', {}, pick(out)) : null,
          c.handed_to ? h('div', { class: 'handed-to' }, t('cb.handed_to', { n: c.handed_to.name }), ' ',
            c.handed_to.phone ? h('a', { href: 'tel:' + c.handed_to.phone }, c.handed_to.phone) : null, ' ',
            c.handed_to.received_at ? t('cb.received', { t: when(c.handed_to.received_at), who: c.handed_to.received_by })
              : t('cb.waiting')) : null),
        h('td', {}, (c.callers || []).map((p) => h('div', {}, (p.name || '—') + ' ', p.phone ? h('a', { href: 'tel:' + p.phone }, p.phone) : null))),
        h('td', {}, callbackResults(c.request_id, load),
          c.result ? h('div', { class: 'muted' }, t('cbres.' + c.result) + ' · ' + t('cb.attempts', { n: c.attempts }),
            // No answer: the next attempt is the new due time; said here
            // so it outlives the redraw that follows the click.
            c.result === 'no_answer' ? h('span', { class: 'cb-next-at' }, ' · ' + t('cb.next', { t: when(c.due_at) })) : null) : null));
    }))));
}

export function render(panel) {
  if (!isStaff()) { fill(panel, h('p', { class: 'error' }, t('forbidden'))); return null; }
  body = h('div', { id: 'callbacks' });
  fill(panel,
    h('div', { class: 'panel-head' }, h('h2', {}, t('callbacks.title')),
      h('label', { class: 'inline' }, h('input', { type: 'checkbox', checked: onlyOverdue,
        onchange: (e) => { onlyOverdue = e.target.checked; load(); } }), t('callbacks.onlyoverdue')),
      'Notification' in window && Notification.permission === 'default'
        ? h('button', { type: 'button', class: 'small', id: 'notify-allow', onclick: (e) => { askNotifications(); e.target.remove(); } }, t('callbacks.notify')) : null),
    h('div', { class: 'scroll' }, body));
  load();
  const off = on('event', (ev) => { if (touchesCallbacks(ev)) load(); });
  const timer = setInterval(load, 60000);
  return () => { off(); clearInterval(timer); body = null; };
}
