// Call-backs that remind: the list of pending call-backs (brief: no names
// or phone numbers, so polling it reads no personal data) is kept here; at
// the promised time the console alerts: the badge on the nav item, the
// request marked in the queue and on the map (S.callbacksDue), a desktop
// notification where the dispatcher allowed it, and an entry in the alert
// feed. Overdue ones stay marked until a result is recorded.
import { t } from './i18n.js';
import { get } from './api.js';
import { S, on, emit, isStaff } from './state.js';
import { h, fill, debounce } from './util.js';
import { inSet } from './lifecycle.js';

S.callbacksDue = new Set();
S.callbacksOverdue = new Set();

let list = [];
let timer = null;
let poll = null;
let offs = [];
const alerted = new Set();
const MAX_ALERTS = 6;

function badge() {
  const b = document.getElementById('callback-badge');
  if (!b) return;
  const n = S.callbacksDue.size;
  b.hidden = n === 0;
  b.textContent = String(n);
  b.classList.toggle('over', S.callbacksOverdue.size > 0);
  b.title = t('callbacks.due') + ' ' + n;
}

function feed(c) {
  const box = document.getElementById('alerts');
  const id = c.request_id;
  const li = h('li', { class: 'alert', dataset: { id: String(id), kind: 'callback' } },
    h('a', { href: '#/callbacks' }, t('alert.callback', { id })), ' ',
    h('button', { type: 'button', class: 'small', 'aria-label': t('alert.dismiss'),
      onclick: () => { li.remove(); box.hidden = box.children.length === 0; } }, '×'));
  box.prepend(li);
  while (box.children.length > MAX_ALERTS) box.lastElementChild.remove();
  box.hidden = false;
}

function notify(c) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(t('alert.callback', { id: c.request_id }), { tag: 'callback-' + c.request_id });
    n.onclick = () => { window.focus(); location.hash = '#/requests/' + c.request_id; };
  } catch { /* some browsers allow notifications only from a service worker */ }
}

function check() {
  clearTimeout(timer);
  timer = null;
  const now = Date.now();
  const due = list.filter((c) => new Date(c.due_from).getTime() <= now);
  const ids = new Set(due.map((c) => c.request_id));
  const over = new Set(due.filter((c) => new Date(c.due_at).getTime() < now).map((c) => c.request_id));
  const changed = ids.size !== S.callbacksDue.size || [...ids].some((id) => !S.callbacksDue.has(id)) ||
    over.size !== S.callbacksOverdue.size;
  S.callbacksDue = ids;
  S.callbacksOverdue = over;
  badge();
  for (const c of due) {
    const key = c.request_id + '@' + c.due_from;
    if (alerted.has(key)) continue;
    alerted.add(key);
    feed(c);
    notify(c);
  }
  if (changed) emit('callbacks-due');
  // Wake up when the next one comes due (or turns overdue).
  const next = list.flatMap((c) => [new Date(c.due_from).getTime(), new Date(c.due_at).getTime()])
    .filter((x) => x > now).sort((a, b) => a - b)[0];
  if (next !== undefined) timer = setTimeout(check, Math.min(next - now + 50, 2 ** 31 - 1));
}

export async function refreshCallbacks() {
  if (!S.me || !isStaff()) return;
  try {
    list = await get('/api/v1/callbacks?brief=1');
  } catch {
    return;
  }
  check();
}

const soon = debounce(refreshCallbacks, 300);

// Whether the call-backs may differ after event ev: a call taken (it may
// promise one), a call-back's own events, a hand-over's (sent, received,
// returned), and any step into the life cycle's closed set (its caller is
// to be told the outcome).
export function touchesCallbacks(ev) {
  const a = (S.lifecycle.actions || {})[ev.kind];
  return ev.kind === 'created' || ev.kind.startsWith('callback') || ev.kind.startsWith('handover') ||
    (!!a && inSet('closed', a.to));
}

export function startReminders() {
  stopReminders();
  if (!isStaff()) return;
  refreshCallbacks();
  poll = setInterval(refreshCallbacks, 30000);
  offs = [
    on('event', (ev) => { if (touchesCallbacks(ev)) soon(); }),
    on('resync', soon),
    on('lang', badge),
  ];
}

export function stopReminders() {
  clearTimeout(timer);
  clearInterval(poll);
  for (const off of offs) off();
  offs = [];
  list = [];
  S.callbacksDue = new Set();
  S.callbacksOverdue = new Set();
  badge();
  const box = document.getElementById('alerts');
  if (box) { fill(box); box.hidden = true; }
}

// Asked from a click (browsers allow the question only then).
export function askNotifications() {
  if ('Notification' in window && Notification.permission === 'default') Notification.requestPermission();
}
