// The console's entry point: log-in, the views (one page, routed by the
// URL's #fragment), the language switch and the live feed.
import { t, translate, getLang, setLang } from './i18n.js';
import { api, get, setCsrf, setLoggedOutHandler, ApiError } from './api.js';
import { S, on, emit, isStaff, isAdmin, loadReference, soonQueue, soonCrews, refreshCrews, refreshQueue } from './state.js';
import { setOf, movesActive } from './lifecycle.js';
import { h, fill, setZone } from './util.js';
import { initMap, resizeMap, fitAll } from './map.js';
import { startLive, stopLive, refreshLiveText } from './live.js';
import { startPlans } from './plans.js';
import { installKeys, toggleHelp, drawHelp } from './keys.js';
import { startStatus, showStatus } from '../status.js';
import * as queue from './views/queue.js';
import * as intake from './views/intake.js';
import * as detail from './views/detail.js';
import * as crews from './views/crews.js';
import * as callbacks from './views/callbacks.js';
import * as users from './views/users.js';
import * as coverage from './views/coverage.js';
import * as devices from './views/devices.js';
import * as cases from './views/cases.js';
import * as outlook from './views/outlook.js';
import * as notices from './views/notices.js';
import * as directory from './views/directory.js';
import * as scripts from './views/scripts.js';
import { startReminders, stopReminders } from './reminders.js';

// view name -> [module, layout]; layout: split (map + panel), map, wide.
const VIEWS = {
  map: [{ render: () => { resizeMap(); fitAll(); return null; } }, 'map'],
  queue: [queue, 'split'],
  new: [intake, 'split'],
  detail: [detail, 'split'],
  crews: [crews, 'split'],
  callbacks: [callbacks, 'split'],
  coverage: [coverage, 'split'],
  devices: [devices, 'wide'],
  cases: [cases, 'wide'],
  outlook: [outlook, 'split'],
  notices: [notices, 'wide'],
  users: [users, 'wide'],
  directory: [directory, 'wide'],
  scripts: [scripts, 'wide'],
};

let cleanup = null;
let started = false;
let mapReady = false;

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (parts[0] === 'requests' && /^\d+$/.test(parts[1] || '')) return ['detail', [parts[1]]];
  return [VIEWS[parts[0]] ? parts[0] : 'queue', parts.slice(1)];
}

function route() {
  if (!S.me || !started) return; // start() routes once everything is loaded
  const [name, params] = parseHash();
  const [mod, layout] = VIEWS[name];
  if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } }
  cleanup = null;
  S.view = name;
  document.body.dataset.view = name;
  document.body.dataset.layout = layout;
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.view === name || (name === 'detail' && a.dataset.view === 'queue'));
  }
  const panel = document.getElementById('panel');
  resizeMap();
  cleanup = mod.render(panel, params) || null;
  drawSummary();
}

// The map view's corner box: open requests by state, crews by status.
function drawSummary() {
  const el = document.getElementById('map-summary');
  if (S.view !== 'map' || !S.me) { el.hidden = true; return; }
  const count = (list, key) => list.reduce((m, x) => m.set(x[key], (m.get(x[key]) || 0) + 1), new Map());
  const st = count(S.queue, 'state');
  // What crews are doing, from their jobs and shifts (not the manual
  // status alone): a crew holding jobs is not 待機.
  const cs = count(S.crews.map((c) => ({ s: c.day ? c.day.state : c.status })), 's');
  fill(el,
    h('div', {}, h('strong', {}, t('summary.open', { n: S.queue.length })), ' ',
      setOf('open').filter((s) => st.get(s))
        .map((s) => h('span', { class: 'state st-' + s }, t('state.' + s) + ' ' + st.get(s)))),
    h('div', {}, h('strong', {}, t('summary.crews', { n: S.crews.length })), ' ',
      ['available', 'assigned', 'en_route', 'on_site', 'break', 'off_shift', 'off_duty'].filter((s) => cs.get(s))
        .map((s) => h('span', { class: 'cstatus cs-' + s, dataset: { day: s } },
          (s === 'assigned' ? t('state.assigned') : t(s === 'off_duty' ? 'crew.off_duty' : 'day.' + s)) + ' ' + cs.get(s)))));
  el.hidden = false;
}

function showWho() {
  const me = S.me;
  fill(document.getElementById('who'), me ? [h('strong', {}, me.display_name || me.name), ' ', h('span', { class: 'muted' }, t('role.' + me.role))] : '');
  for (const a of document.querySelectorAll('#nav a[data-needs]')) {
    a.hidden = a.dataset.needs === 'admin' ? !isAdmin() : !isStaff();
  }
}

function redrawText() {
  translate();
  document.getElementById('lang').textContent = t('lang.other');
  document.getElementById('login-lang').textContent = t('lang.other');
  document.title = t('app.title') + ' / Patrol dispatch';
  refreshLiveText();
  showStatus();
  showWho();
  drawHelp();
}

function switchLang() {
  setLang(getLang() === 'ja' ? 'en' : 'ja');
  redrawText();
  emit('lang');
  route();
}

function showLogin(msg) {
  document.body.classList.remove('booting');
  document.body.classList.add('logged-out');
  document.getElementById('login').hidden = false;
  document.getElementById('login-error').textContent = msg || '';
  document.getElementById('login-password').value = '';
  const name = document.getElementById('login-name');
  (name.value ? document.getElementById('login-password') : name).focus();
}

async function start(me) {
  S.me = me;
  setCsrf(me.csrf);
  document.getElementById('login').hidden = true;
  document.body.classList.remove('booting', 'logged-out');
  showWho();
  try {
    await loadReference();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) fill(document.getElementById('panel'), h('p', { class: 'error' }, t('error', { m: e.message })));
    return;
  }
  setZone(S.config.timezone);
  if (!mapReady) mapReady = await initMap();
  startLive();
  if (isStaff() || (S.me && S.me.role === 'viewer')) startPlans();
  startReminders();
  started = true;
  if (!location.hash) location.hash = isStaff() ? '#/queue' : '#/map';
  route();
}

function loggedOut(msg) {
  if (!S.me) return;
  S.me = null;
  started = false;
  setCsrf('');
  stopLive();
  stopReminders();
  if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } }
  cleanup = null;
  fill(document.getElementById('panel'));
  showWho();
  showLogin(msg);
}

async function login(e) {
  e.preventDefault();
  const f = e.target;
  const btn = document.getElementById('login-submit');
  btn.disabled = true;
  document.getElementById('login-error').textContent = '';
  try {
    const r = await fetch('/api/v1/session', {
      method: 'POST', credentials: 'same-origin', cache: 'no-store',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: f.elements.name.value.trim(), password: f.elements.password.value }),
    });
    const body = await r.json().catch(() => null);
    if (r.ok) {
      await start({ ...body.user, csrf: body.csrf });
    } else if (r.status === 429) {
      showLogin(t('login.limited', { s: r.headers.get('Retry-After') || '?' }));
    } else if (r.status === 401) {
      showLogin(t('login.bad'));
    } else {
      showLogin(t('error', { m: (body && body.error && body.error.message) || r.status }));
    }
  } catch (err) {
    showLogin(t('db.down'));
  } finally {
    btn.disabled = false;
  }
}

async function logout() {
  try { await api('DELETE', '/api/v1/session'); } catch { /* the cookie is cleared anyway */ }
  loggedOut('');
}

function boot() {
  setLang(getLang());
  redrawText();
  startStatus();
  document.getElementById('login-form').addEventListener('submit', login);
  document.getElementById('lang').addEventListener('click', switchLang);
  document.getElementById('login-lang').addEventListener('click', switchLang);
  document.getElementById('logout').addEventListener('click', logout);
  document.getElementById('help-button').addEventListener('click', () => toggleHelp());
  document.getElementById('help-close').addEventListener('click', () => toggleHelp(false));
  window.addEventListener('hashchange', route);
  window.addEventListener('resize', resizeMap);
  setLoggedOutHandler(() => loggedOut(t('login.ended')));
  installKeys(switchLang);
  on('event', (ev) => {
    soonQueue();
    if (ev.crew_id || movesActive(ev.kind)) soonCrews();
  });
  on('queue', drawSummary);
  on('crews', drawSummary);
  on('resync', () => { refreshQueue().catch(() => {}); refreshCrews().catch(() => {}); });
  // A refused stream may mean the session ended: ask, and log out if so.
  on('live-refused', () => { get('/api/v1/me').catch(() => {}); });
  // Crews move without request events: their positions are polled.
  setInterval(() => { if (S.me) refreshCrews().catch(() => {}); }, 20000);
  get('/api/v1/me').then(start).catch((e) => {
    if (e instanceof ApiError && e.status === 401) showLogin('');
    else showLogin(t('db.down'));
  });
}

boot();
