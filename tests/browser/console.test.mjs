// The dispatcher console in a real browser (Debian's chromium driven by
// playwright-core) against the real patrold and PostgreSQL: log in, take
// a wasp call by clicking the map, see the duplicate of a second call,
// assign the top recommendation, follow the crew's progress live, the
// CSRF and password checks, the roles, and a dropped live feed. A
// screenshot of every screen goes to PATROL_SCREENSHOT_DIR.
//
// The crew's side is played by the real field program, patrol-agent,
// enrolled for the recommended crew; each step is synced on its own so
// the page must show every state change as it comes.
//
// Each test makes the requests, devices and log-in it needs itself
// (through the API, patrolctl and the agent), so one that fails leaves
// the others their own ground. Calls whose duplicates are checked are put
// where no other test's call is within the duplicate radius (250 m).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness, AGENT, PATROLCTL, USERS, run } from './lib.mjs';

const CALL = [35.6050, 139.5600]; // lat, lon in Tama ward
const DUP = [35.6080, 139.5640]; // the duplicate test's call, 500 m away
const NORTH = 0.00072; // 80 m in latitude
const CALLER = '多摩 太郎';

const h = new Harness();
let info, base, context, page;
const agentDirs = [];

const shot = (name) => h.shot(name);
const login = (name, password) => h.login(name, password);
const api = (method, path, body) => h.api(method, path, body);
const crewApi = (method, path, body) => h.api(method, path, body, info.crew_token);

async function logout() {
  await page.click('#logout');
  await page.locator('#login').waitFor({ state: 'visible' });
}

// The log-in page, whoever the test before left logged in.
async function loggedOut() {
  if (await page.locator('#logout').isVisible()) await logout();
}

// The console logged in as role (a USERS key): kept when that user is
// already logged in, else through the log-in form.
async function loginAs(role) {
  if (await page.locator('#logout').isVisible()) {
    const me = await page.evaluate(async () => (await import('/console/js/state.js')).S.me);
    if (me && me.name === USERS[role][0]) return;
    await logout();
  }
  await h.loginOk(role);
}

// A wasp call registered through the API at (lat, lon), with a caller
// when given one.
async function apiCall(address, [lat, lon], caller) {
  const r = await api('POST', '/api/v1/requests', {
    category: 'wasp_nest', lat, lon, address, description: '軒下にスズメバチの巣',
    answers: { nest_height: 'eaves', location: 'outdoor' },
    ...(caller ? { caller: { name: caller, phone: '044-000-1111' } } : {}) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

// Request id assigned to its top recommendation: that crew ({id, code}).
async function assignTop(id) {
  const recs = (await api('GET', '/api/v1/requests/' + id + '/recommendations')).body.crews;
  assert.ok(recs.length >= 1, 'a crew to recommend');
  const crew = recs[0].crew;
  assert.equal((await api('POST', '/api/v1/requests/' + id + '/assign', { crew_id: crew.id })).status, 200);
  return crew;
}

// A call with a caller, done by its crew (the dispatcher recording the
// steps, as for a crew by phone): due for its call-back.
async function doneCall(address, at) {
  const r = await apiCall(address, at, CALLER);
  await assignTop(r.id);
  assert.equal((await api('POST', `/api/v1/requests/${r.id}/accept`, {})).status, 200);
  assert.equal((await api('POST', `/api/v1/requests/${r.id}/done`, { outcome: 'removed' })).status, 200);
  return r;
}

// patrol-agent enrolled for the crew with this code, in a directory of
// its own (removed after the tests): a function running its commands.
function enrolAgent(code) {
  const dir = mkdtempSync(join(process.env.TMPDIR || tmpdir(), 'console-agent-'));
  agentDirs.push(dir);
  const once = run(PATROLCTL, ['--database-url', info.db_url, 'device', 'enroll', '--crew', code]).trim();
  const agent = (...args) => run(AGENT, ['--dir', dir, ...args]);
  assert.match(agent('enroll', '--server', base, '--code', once), /OK enrolled/);
  return { agent, dir };
}

// The queue's text filter focused with /, its text all selected: what
// is typed next replaces it. (The view changes on hashchange, so a '/'
// pressed before the queue is drawn focuses the filter only later and
// the following keys went elsewhere: a flaky run on CI.)
async function slashFilter() {
  await page.keyboard.press('q');
  await page.locator('#queue-filter').waitFor();
  await page.keyboard.press('/');
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'queue-filter'
    && document.activeElement.selectionEnd - document.activeElement.selectionStart === document.activeElement.value.length);
}

// Clicks the map at (lat, lon), first centring it there at a close zoom.
async function clickMap(lat, lon) {
  const p = await page.evaluate(async ([la, lo]) => {
    const m = await import('/console/js/map.js');
    m.setView(la, lo, 17);
    return m.pointFor(la, lo);
  }, [lat, lon]);
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + p.x, box.y + p.y);
}

async function takeWaspCall(lat, lon, withCaller) {
  await page.keyboard.press('n');
  await page.locator('#intake-category:focus').waitFor();
  await page.selectOption('#intake-category', 'wasp_nest');
  await page.selectOption('#q-nest_height', 'eaves');
  await page.selectOption('#q-location', 'outdoor');
  await clickMap(lat, lon);
  const point = await page.inputValue('#intake-point');
  assert.match(point, /^35\.60\d+, 139\.5\d+$/);
  await page.locator('#intake-ward', { hasText: '多摩区' }).waitFor();
  await page.fill('#intake-address', '多摩区内の住宅 軒下');
  await page.fill('#intake-description', '軒下にスズメバチの巣');
  if (withCaller) {
    await page.fill('#intake-caller-name', CALLER);
    await page.fill('#intake-caller-phone', '044-000-1111');
  }
}

async function submitCall() {
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/requests') && r.request().method() === 'POST');
  // Keyboard only: Enter in a field registers the call.
  await page.focus('#intake-caller-phone');
  await page.keyboard.press('Enter');
  const r = await created;
  assert.equal(r.status(), 201);
  const body = await r.json();
  await page.waitForURL('**/#/requests/' + body.id);
  await page.locator('#detail-state[data-state="new"]').waitFor();
  return body;
}

async function stateIs(state) {
  await page.locator(`#detail-state[data-state="${state}"]`).waitFor({ timeout: 10000 });
}

before(async () => {
  await h.start();
  ({ info, base, context, page } = h);
});

after(async () => {
  await h.closeBrowser();
  for (const dir of agentDirs) rmSync(dir, { recursive: true, force: true });
  await h.stopServer();
});

test('the console is Japanese, has a CSP, and refuses a wrong password', async () => {
  await loggedOut();
  const r = await page.goto(base + '/');
  assert.match(r.headers()['content-security-policy'], /default-src 'self'/);
  assert.match(r.headers()['content-security-policy'], /script-src 'self';/);
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  await shot('01-login');
  const status = await login('dispatcher', 'wrong password');
  assert.equal(status, 401);
  await page.locator('#login-error', { hasText: 'パスワードが違います' }).waitFor();
  assert.equal((await context.cookies()).length, 0);
});

test('the dispatcher logs in and sees the demo queue live', async () => {
  await loggedOut();
  assert.equal(await login('dispatcher', 'patrol-demo'), 200);
  await page.locator('#queue-rows tr[data-id]').first().waitFor();
  // The demo's 4 waiting calls, the 6 already in crews' days and the
  // petition (issue 16: a newcomer sees one waiting for its site survey,
  // marked 調 in the queue).
  assert.equal(await page.locator('#queue-rows tr[data-id]').count(), 11);
  const petition = page.locator('#queue-rows tr[data-id]', { has: page.locator('.mk-svy') });
  assert.equal(await petition.count(), 1);
  assert.equal(await petition.locator('.mk-svy').innerText(), '調');
  // States and priorities in the glossary's words (GET /api/v1/glossary):
  // the console has no copy of its own.
  const g = (await api('GET', '/api/v1/glossary')).body;
  for (const [kind, sel] of [['state', 'span.state'], ['prio', 'span.prio']]) {
    const shown = await page.locator('#queue-rows ' + sel).evaluateAll((els) =>
      els.map((e) => [e.className.split(' ')[1].replace(/^(st-|p)/, ''), e.textContent]));
    assert.equal(shown.length, 11);
    for (const [code, word] of shown) assert.equal(word, g[kind + '.' + code][0], kind + '.' + code);
  }
  const cookie = (await context.cookies()).find((c) => c.name === 'patrol_session');
  assert.ok(cookie, 'session cookie set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  await page.locator('#live.live-on').waitFor();
  assert.equal(await page.locator('#banner').isHidden(), true);
  await shot('02-queue');
});

test('a call from over the city line is flagged and offers the hand-over', async () => {
  await loginAs('dispatcher');
  await page.goto(base + '/#/queue');
  // The demo's call from Inagi (outside every ward of Kawasaki).
  const row = page.locator('#queue-rows tr[data-id]', { has: page.locator('.outside-ward') });
  await row.waitFor();
  assert.equal(await row.count(), 1);
  assert.equal(await row.locator('.outside-ward').innerText(), '区域外');
  await row.click();
  const banner = page.locator('#detail-outside');
  await banner.waitFor();
  assert.match(await banner.innerText(), /区域外.*多摩区（境界から \d+ m）/s);
  await page.click('#detail-outside-handover');
  await page.locator('#detail-handover[open]').waitFor();
  assert.match(await page.inputValue('#detail-handover textarea[name=note]'), /多摩区に隣接する自治体/);
  await shot('02b-outside-ward');
  await page.goto(base + '/#/queue');
  await page.locator('#queue-rows tr[data-id]').first().waitFor();
});

test('a wasp call taken by clicking the map', async () => {
  await loginAs('dispatcher');
  await takeWaspCall(CALL[0], CALL[1], true);
  await shot('03-intake');
  const first = await submitCall();
  assert.equal(first.ward_code, '14135');
  assert.deepEqual(first.duplicates, []);
  await page.locator('#detail-callers', { hasText: CALLER }).waitFor();
  await page.locator('#detail-recs li').first().waitFor();
  await shot('04-detail');
});

test('a second call 80 m away is shown as a likely duplicate', async () => {
  await loginAs('dispatcher');
  const first = await apiCall('多摩区内の住宅 軒下', DUP, CALLER);
  await takeWaspCall(DUP[0] + NORTH, DUP[1], false);
  // Before registering: the open request nearby, with its distance.
  const dup = page.locator(`#intake-dups li.dup[data-id="${first.id}"]`);
  await dup.waitFor();
  assert.match(await dup.innerText(), /\b(7\d|8\d) m/);
  await shot('05-intake-duplicate');
  const second = await submitCall();
  assert.deepEqual(second.duplicates.map((d) => d.id), [first.id]);
  // After: the detail offers to merge it into the first.
  const offer = page.locator(`#detail-dups li[data-id="${first.id}"] button`);
  await offer.waitFor();
  await shot('06-detail-duplicate');
  await offer.click();
  await stateIs('merged');
});

test('the top recommendation is assigned with the keyboard', async () => {
  // A call and a second one merged into it, both at 枡形's house.
  const first = await apiCall('枡形の住宅 軒下', [CALL[0] + 0.006, CALL[1]]);
  const second = await apiCall('枡形の住宅 物置', [CALL[0] + 0.006 + NORTH, CALL[1]]);
  assert.equal((await api('POST', `/api/v1/requests/${second.id}/merge`, { parent_id: first.id })).status, 200);
  await loginAs('dispatcher');
  // Find the call in the queue: / filters, Enter selects, Enter opens.
  await page.keyboard.press('q');
  await page.locator('#queue-rows tr[data-id]').first().waitFor();
  await slashFilter();
  await page.keyboard.type('枡形の住宅');
  // The merged second call leaves the open queue.
  await page.locator(`#queue-rows tr[data-id="${first.id}"]`).waitFor();
  await page.locator(`#queue-rows tr[data-id="${second.id}"]`).waitFor({ state: 'detached' });
  assert.equal(await page.locator('#queue-rows tr[data-id]').count(), 1);
  await page.keyboard.press('Enter');
  await page.locator(`#queue-rows tr.sel[data-id="${first.id}"]`).waitFor();
  await page.keyboard.press('Enter');
  await page.waitForURL('**/#/requests/' + first.id);
  await page.locator('#assign-top').waitFor();
  const top = await page.locator('#detail-recs li.top strong').first().innerText();
  await page.keyboard.press('a');
  await stateIs('assigned');
  assert.equal(await page.locator('#detail-crew').innerText(), top);
});

test('the crew works the job with patrol-agent; the page follows without reloading', async () => {
  const first = await apiCall('生田の住宅 軒下', [CALL[0] + 0.008, CALL[1] - 0.004], CALLER);
  const { agent, dir } = enrolAgent((await assignTop(first.id)).code);
  await loginAs('dispatcher');
  // The dispatcher has the queue filtered to the call and opens it.
  await slashFilter();
  await page.keyboard.type('生田の住宅');
  await page.locator(`#queue-rows tr[data-id="${first.id}"]`).waitFor();
  await page.goto(base + '/#/requests/' + first.id);
  await stateIs('assigned');
  await page.evaluate(() => { window.notReloaded = true; });
  agent('sync');
  // A real picture for the job: the map as the page shows it.
  const photo = join(dir, 'nest.png');
  await page.locator('#map').screenshot({ path: photo });
  const id = String(first.id);
  for (const [args, state, kind] of [
    [['accept', id], 'accepted', 'accept'],
    [['status', 'en-route', id], 'en_route', 'en_route'],
    [['status', 'on-site', id, '--lat', '35.6051', '--lon', '139.5601'], 'on_site', 'on_site'],
    [['done', id, '--outcome', 'removed', '--note', '巣を撤去、住民へ説明', '--photo', photo], 'done', 'done']]) {
    agent(...args);
    agent('sync');
    await stateIs(state);
    await page.locator(`#detail-timeline li[data-kind="${kind}"]`).waitFor();
    if (state === 'on_site') await shot('07-detail-on-site');
  }
  await page.locator('#detail-outcome', { hasText: '駆除完了' }).waitFor();
  await page.locator('#detail-photos img').waitFor();
  await page.locator(`#map .rq.st-done[data-id="${first.id}"]`).waitFor();
  assert.equal(await page.evaluate(() => window.notReloaded), true);
  await shot('08-detail-done');
  // The queue followed too: the job is no longer open. (The filter typed
  // before is still there: / selects it, Backspace clears it.)
  await slashFilter();
  await page.keyboard.press('Backspace');
  assert.equal(await page.inputValue('#queue-filter'), '');
  await page.keyboard.press('Escape');
  await page.locator('#queue-rows tr[data-id]').first().waitFor();
  await page.locator(`#queue-rows tr[data-id="${first.id}"]`).waitFor({ state: 'detached' });
});

test('a change with the session cookie but no CSRF token is refused', async () => {
  await loginAs('dispatcher');
  const r = await page.evaluate(async () => {
    const res = await fetch('/api/v1/requests', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ category: 'road_pothole', lat: 35.62, lon: 139.55, answers: { depth: 'shallow' } }),
    });
    return { status: res.status, body: await res.json() };
  });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'csrf');
});

test('every screen, and the English switch', async () => {
  // A handheld enrolled, and a done call whose caller is due a call-back.
  const crews = (await api('GET', '/api/v1/crews')).body;
  enrolAgent(crews[0].code);
  const done = await doneCall('登戸の住宅 軒下', [CALL[0] + 0.010, CALL[1] + 0.004]);
  await loginAs('dispatcher');
  await page.goto(base + '/#/queue');
  await page.locator('#queue-filter').waitFor();
  for (const [key, name, sel] of [['m', '09-map', null], ['c', '10-crews', '#crews-rows tr'],
    ['b', '11-callbacks', `#callbacks-table tr[data-id="${done.id}"]`]]) {
    await page.keyboard.press(key);
    if (sel) await page.locator(sel).first().waitFor();
    await page.waitForTimeout(300);
    await shot(name);
  }
  // The handheld enrolled above is listed; a dispatcher may look but not
  // enrol or revoke.
  await page.goto(base + '/#/devices');
  await page.locator('#devices-table tbody tr').first().waitFor();
  assert.equal(await page.locator('#enroll-button').count(), 0);
  await shot('12-devices');
  await page.goto(base + '/#/queue');
  await page.keyboard.press('?');
  await page.locator('#help-keys tr').first().waitFor();
  await shot('13-help');
  await page.keyboard.press('Escape');
  await page.keyboard.press('l');
  await page.locator('#nav a[data-view="queue"]', { hasText: 'Queue' }).waitFor();
  // The glossary's English for the states.
  const g = (await api('GET', '/api/v1/glossary')).body;
  const state = page.locator('#queue-rows span.state').first();
  const code = (await state.getAttribute('class')).split(' ')[1].replace(/^st-/, '');
  assert.equal(await state.textContent(), g['state.' + code][1]);
  await shot('14-queue-english');
  await page.keyboard.press('l');
  await page.locator('#nav a[data-view="queue"]', { hasText: '案件一覧' }).waitFor();
});

test('weekly coverage: the table and the PNG download', async () => {
  await loginAs('dispatcher');
  await page.goto(base + '/#/coverage');
  const week = await page.inputValue('#coverage-week');
  assert.match(week, /^\d{4}-W\d{2}$/);
  await page.locator('#coverage p:not(.muted), #coverage table').first().waitFor({ timeout: 60000 });
  assert.equal(await page.locator('#coverage .error').count(), 0, await page.locator('#coverage').innerText());
  await shot('12-coverage');
  const download = page.waitForEvent('download');
  await page.click('#coverage-downloads a[data-format="png"]');
  const file = await (await download).path();
  const { readFileSync } = await import('node:fs');
  const png = readFileSync(file);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
});

test('the live feed: a drop is shown, and it resumes without losing events', async () => {
  await loginAs('dispatcher');
  await page.goto(base + '/#/queue');
  await page.locator('#live.live-on').waitFor();
  h.server.stdin.write('restart\n');
  await page.locator('#banner', { hasText: '更新停止中' }).waitFor({ state: 'visible', timeout: 15000 });
  await shot('15-live-down');
  assert.equal(await h.nextLine(), 'restarted');
  // Made while the page may not have reconnected yet.
  const r = await crewApi('POST', '/api/v1/requests', {
    category: 'road_pothole', lat: 35.6240, lon: 139.5460, answers: { depth: 'deep' },
    address: '府中街道 稲田堤付近（2件目）' });
  assert.equal(r.status, 201);
  await page.locator('#banner').waitFor({ state: 'hidden', timeout: 15000 });
  await page.locator(`#queue-rows tr[data-id="${r.body.id}"]`).waitFor({ timeout: 10000 });
});

test('the admin sees the users screen', async () => {
  // A handheld to revoke.
  const crews = (await api('GET', '/api/v1/crews')).body;
  enrolAgent(crews[0].code);
  await loggedOut();
  assert.equal(await login('admin1', 'admin-password-1'), 200);
  await page.goto(base + '/#/users');
  await page.locator('#users-table tr[data-user="dispatcher"]').waitFor();
  await shot('16-users');
  // Devices: a one-time code for a crew, then revoke the enrolled one.
  await page.goto(base + '/#/devices');
  await page.locator('#devices-table tbody tr').first().waitFor();
  await page.locator('#enroll-button').click();
  const code = (await page.locator('#enroll-code').textContent()).trim();
  assert.ok(code.length >= 8, code);
  page.once('dialog', (d) => d.accept());
  await page.locator('#devices-table button[data-device]').first().click();
  await page.locator('#devices-table tbody tr.inactive').first().waitFor();
  await shot('16-devices-admin');
});

test('a viewer sees no caller name and no intake', async () => {
  const first = await doneCall('中野島の住宅 軒下', [CALL[0] + 0.012, CALL[1] - 0.008]);
  await loggedOut();
  assert.equal(await login('viewer', 'patrol-demo'), 200);
  await page.goto(base + '/#/requests/' + first.id);
  await stateIs('done');
  await page.locator('#detail-callers', { hasText: '表示されません' }).waitFor();
  assert.equal(await page.getByText(CALLER).count(), 0);
  assert.equal(await page.locator('#nav a[data-view="new"]').isHidden(), true);
  assert.equal(await page.locator('#assign-top').count(), 0);
  await shot('17-viewer-detail');
  await logout();
});
