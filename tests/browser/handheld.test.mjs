// The crew's handheld screen in a real browser: Debian's chromium (phone
// viewport, touch) driven by playwright-core against the real
// `patrol-agent serve` enrolled at a real patrold (server.py). The link
// between the agent and patrold goes through a proxy the test can cut:
// the wasp job is accepted, started, reached and finished as 巣なし with a
// photo and a note while the link is down (the screen shows 送信待ち);
// when the link returns the dispatcher's API shows each step once. Then a
// patrol with a finding, and a patrol on pieces of the way back. The
// loopback-only bind and the token are checked. The finding's address is
// filled in from the towns the server sent; today's jobs follow the
// crew's day plan; map tiles fetched onto the device are drawn. A
// screenshot of every screen goes to PATROL_SCREENSHOT_DIR (handheld-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createServer, connect } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness, PHONE, AGENT, PATROLCTL, here, run as runWith } from './lib.mjs';

const CREW = 'asao-wasp-1';
const OFFICE = [35.604, 139.5065]; // the Asao centre, where the way back ends
const JOB = [35.5975, 139.5010]; // a house in Asao ward
const START = [35.5985, 139.5020]; // where the crew's GPS starts
const CALLER = '麻生 花子';
// A PNG the size of a phone photo's thumbnail (a real image: a red square).
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQEAFO/AQC0wbm3AAAAAElFTkSuQmCC', 'base64');

// A phone: 390 x 844, touch, Japanese, in the service's zone.
const h = new Harness({ context: PHONE });
let info, base, context, page;
let agent, agentUrl, agentOrigin, agentDir, proxy, linkUp = true;
const sockets = new Set();

const shot = (name) => h.shot('handheld-' + name, { settle: 250, fullPage: true });
const run = (cmd, args) => runWith(cmd, args, 5);

// The same, without blocking this process (the proxy lives in it).
function runAsync(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, PATROL_AGENT_TIMEOUT_S: '5' } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => (code === 0 ? resolve(out)
      : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${out}${err}`))));
  });
}

const api = (method, path, body) => h.api(method, path, body);

// The link: a TCP proxy in front of patrold; cut, it resets everything.
function startProxy(target) {
  return new Promise((resolve) => {
    const s = createServer((c) => {
      if (!linkUp) { c.destroy(); return; }
      const u = connect(target, '127.0.0.1');
      sockets.add(c); sockets.add(u);
      const drop = () => { c.destroy(); u.destroy(); sockets.delete(c); sockets.delete(u); };
      c.on('error', drop); u.on('error', drop); c.on('close', drop); u.on('close', drop);
      c.pipe(u); u.pipe(c);
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

function cutLink() {
  linkUp = false;
  for (const s of sockets) s.destroy();
}

// An NMEA log at 1 Hz from now on, walking slowly east: a live receiver
// when replayed at its own pace.
function nmeaLog(path, from, seconds) {
  const out = [];
  const t0 = Date.now();
  const ddmm = (v, w) => {
    const d = Math.floor(v);
    const m = (v - d) * 60;
    return String(d).padStart(w, '0') + m.toFixed(4).padStart(7, '0');
  };
  for (let i = 0; i < seconds; i++) {
    const t = new Date(t0 + i * 1000);
    const lat = from[0] + i * 0.000002;
    const lon = from[1] + i * 0.000004;
    const hms = t.toISOString().slice(11, 19).replace(/:/g, '') + '.00';
    const dmy = t.toISOString().slice(8, 10) + t.toISOString().slice(5, 7) + t.toISOString().slice(2, 4);
    const body = `GPRMC,${hms},A,${ddmm(lat, 2)},N,${ddmm(lon, 3)},E,0.8,60.0,${dmy},,,A`;
    let sum = 0;
    for (const ch of body) sum ^= ch.charCodeAt(0);
    out.push(`$${body}*${sum.toString(16).toUpperCase().padStart(2, '0')}`);
  }
  writeFileSync(path, out.join('\r\n') + '\r\n');
}

function startAgent(args) {
  const p = spawn(AGENT, ['--dir', agentDir, 'serve', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATROL_AGENT_TIMEOUT_S: '5' } });
  p.stderr.on('data', (d) => process.stderr.write('agent: ' + d));
  return p;
}

function agentReady(p) {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: p.stdout });
    rl.on('line', (l) => {
      const m = l.match(/^OK screen at (\S+)$/);
      if (m) resolve(m[1]);
    });
    p.once('exit', (code) => reject(new Error('patrol-agent serve exited ' + code)));
  });
}

// A tap; the page may redraw under it (new data), so a detached target
// is looked up again.
async function tap(sel) {
  for (let i = 0; ; i++) {
    try {
      await page.locator(sel).tap();
      return;
    } catch (e) {
      if (i === 3 || !/not attached|detached/.test(e.message)) throw e;
    }
  }
}

// Ask the agent for a sync now (what 「今すぐ同期」 does).
const syncNow = () => page.evaluate(() => fetch('/api/sync', { method: 'POST',
  headers: { 'Content-Type': 'application/json' }, body: '{}' }));

// What the caller of a wasp job said.
const WASP = { nest_height: 'eaves', location: 'outdoor' };

// A call (a wasp nest unless told) at `at` with a caller, assigned to
// the crew: its id.
async function newJob(description, caller, at = JOB, category = 'wasp_nest', answers = WASP) {
  const r = await api('POST', '/api/v1/requests', {
    category, lat: at[0], lon: at[1], answers, description, caller });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const a = await api('POST', `/api/v1/requests/${r.body.id}/assign`, { crew_id: crewId });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  return r.body.id;
}

// Job rid on today's list, asking for a sync every 5 s until it is.
async function jobArrives(rid) {
  await tap('#nav a[data-view="jobs"]');
  for (let i = 0; i < 60 && !(await page.locator(`li.job[data-id="${rid}"]`).count()); i++) {
    if (i % 10 === 0) await syncNow();
    await page.waitForTimeout(500);
  }
  await page.locator(`li.job[data-id="${rid}"]`).waitFor();
}

// A new job of the crew's, brought by a sync and then opened on the
// handheld with the link cut: its id.
async function jobOffline(description, caller) {
  linkUp = true;
  const rid = await newJob(description, caller);
  await jobArrives(rid);
  cutLink();
  await tap(`li.job[data-id="${rid}"] a`);
  return rid;
}

before(async () => {
  await h.startServer();
  ({ info, base } = h);
  proxy = await startProxy(info.port);
  agentDir = mkdtempSync(join(process.env.TMPDIR || tmpdir(), 'handheld-'));
  await h.launch();
  ({ context, page } = h);
});

after(async () => {
  await h.closeBrowser();
  if (agent && agent.exitCode === null) {
    const code = await new Promise((resolve) => { agent.once('exit', resolve); agent.kill('SIGTERM'); });
    assert.equal(code, 0, 'patrol-agent serve did not exit cleanly');
  }
  if (proxy) { for (const s of sockets) s.destroy(); proxy.close(); }
  if (agentDir) rmSync(agentDir, { recursive: true, force: true });
  await h.stopServer();
});

let job, crewId;

test('a wasp call is assigned to the crew and the handheld is enrolled', async () => {
  const crews = await api('GET', '/api/v1/crews');
  assert.equal(crews.status, 200);
  crewId = (crews.body.crews || crews.body).find((c) => c.code === CREW).id;
  const r = await api('POST', '/api/v1/requests', {
    category: 'wasp_nest', lat: JOB[0], lon: JOB[1],
    answers: { nest_height: 'eaves', location: 'outdoor' },
    address: '麻生区内の住宅 軒下', description: '軒下にスズメバチの巣があるようだ',
    caller: { name: CALLER, phone: '044-000-2222' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  job = r.body;
  const a = await api('POST', `/api/v1/requests/${job.id}/assign`, { crew_id: crewId });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  const code = run(PATROLCTL, ['--database-url', info.db_url, 'device', 'enroll', '--crew', CREW]).trim();
  const url = 'http://127.0.0.1:' + proxy.address().port;
  assert.match(await runAsync(AGENT, ['--dir', agentDir, 'enroll', '--server', url, '--code', code, '--label', 'handheld-test']), /OK enrolled/);
});

test('patrol-agent serve listens on loopback only and refuses requests without its token', async () => {
  // A non-loopback address is refused at start.
  for (const bad of ['0.0.0.0:0', '192.0.2.1:0', '[::]:0', 'example.org:0']) {
    const r = spawnSync(AGENT, ['--dir', agentDir, 'serve', '--listen', bad, '--no-gps'], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 2, bad + ': ' + r.stderr);
    assert.match(r.stderr, /loopback/);
  }
  const nmea = join(agentDir, 'walk.nmea');
  nmeaLog(nmea, START, 3600);
  const leaflet = join(process.env.PATROL_SOURCE_DIR || join(here, '..', '..'), 'node_modules', 'leaflet', 'dist');
  agent = startAgent(['--listen', '127.0.0.1:0', '--nmea', nmea, '--speed', '1', '--backoff-max', '2',
    '--leaflet', leaflet]);
  agentUrl = await agentReady(agent);
  const u = new URL(agentUrl);
  agentOrigin = u.origin;
  assert.equal(u.hostname, '127.0.0.1');
  // Without the token, with a wrong one, or with another Host: refused.
  for (const path of ['/', '/api/state', '/api/jobs', '/app.js']) {
    const r = await fetch(agentOrigin + path, { redirect: 'manual' });
    assert.equal(r.status, 403, path);
  }
  const wrong = await fetch(agentOrigin + '/?t=' + 'f'.repeat(64), { redirect: 'manual' });
  assert.equal(wrong.status, 403);
  const post = await fetch(agentOrigin + `/api/jobs/${job.id}/step`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ action: 'accept' }) });
  assert.equal(post.status, 403);
  // Nobody on the network reaches it: only loopback is bound.
  const addrs = Object.values(networkInterfaces()).flat().filter((a) => !a.internal && a.family === 'IPv4');
  for (const a of addrs) {
    const ok = await new Promise((resolve) => {
      const s = connect(Number(u.port), a.address);
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    assert.equal(ok, false, `reachable on ${a.address}`);
  }
  // With the token: a cookie, and the URL loses the token.
  const first = await fetch(agentUrl, { redirect: 'manual' });
  assert.equal(first.status, 303);
  assert.match(first.headers.get('set-cookie'), /HttpOnly; SameSite=Strict/);
});

test('today\'s jobs: the wasp job arrives, with the sync state always visible', async () => {
  await page.goto(agentUrl);
  assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  await page.locator(`li.job[data-id="${job.id}"]`).waitFor({ timeout: 30000 });
  await page.locator('#sync-pending', { hasText: '未送信 0件' }).waitFor();
  await page.locator('#sync-last', { hasText: /最終同期 \d\d:\d\d/ }).waitFor();
  const row = await page.locator(`li.job[data-id="${job.id}"]`).innerText();
  assert.match(row, /ハチの巣/);
  assert.match(row, /麻生区内の住宅/);
  // The priority in the console's word for it, from the one glossary.
  const glossary = (await api('GET', '/api/v1/glossary')).body;
  assert.ok(row.includes(glossary['prio.' + job.priority][0]), row);
  assert.match(row, /\d+ m|\d+\.\d km/, 'distance from the GPS position');
  await page.locator('#jobs-map .nomap', { hasText: '地図なし（オフライン）' }).waitFor();
  await shot('01-jobs');
  // A camera's photo goes in 256 kB parts, as the screen sends it: the
  // agent holds one part at a time, never the whole photo.
  const parts = await page.evaluate(async () => {
    const size = 600 * 1024, P = 256 * 1024, out = [];
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 7) & 0xff;
    bytes.set([0xff, 0xd8, 0xff, 0xe0]);
    const blob = new Blob([bytes], { type: 'image/jpeg' });
    const send = (path, body) => fetch('/api' + path, { method: 'POST', body,
      headers: { 'Content-Type': 'image/jpeg' } });
    let id = null;
    for (let off = 0; off < size; off += P) {
      const last = off + P >= size ? '&last=1' : '';
      const r = await send('/photos' + (id ? '/' + id : '') + '?offset=' + off + last, blob.slice(off, off + P));
      const j = await r.json();
      id = j.photo;
      out.push([r.status, j.received || j.bytes]);
    }
    out.push([(await send('/photos/' + id + '?offset=0', blob.slice(0, 10))).status]); // finished
    const first = await (await send('/photos?offset=0', blob.slice(0, P))).json();
    out.push([(await send('/photos/' + first.photo + '?offset=0', blob.slice(0, 10))).status]); // a part again
    out.push([(await send('/photos', blob)).status]); // whole: over one part's limit
    return out;
  });
  assert.deepEqual(parts, [[202, 262144], [202, 524288], [201, 614400], [404], [409], [413]]);
});

test('the job is worked while the link is cut: every step shows 送信待ち', async () => {
  cutLink();
  await tap(`li.job[data-id="${job.id}"] a`);
  await page.locator('#job-state[data-state="assigned"]').waitFor();
  // What the caller said, in words; who to contact.
  await page.locator('#answers', { hasText: '軒下' }).waitFor();
  await page.locator('#answers', { hasText: '巣の高さ' }).waitFor();
  await page.locator('#callers', { hasText: CALLER }).waitFor();
  await shot('02-job');
  for (const [action, label, next] of [['accept', '受諾', 'accepted'], ['en_route', '出発', 'en_route'], ['on_site', '現着', 'on_site']]) {
    await page.locator(`#job-step[data-action="${action}"]`, { hasText: label }).waitFor();
    await tap('#job-step');
    await page.locator(`#job-state[data-state="${next}"]`).waitFor();
    await page.locator(`#history li[data-what="${action}"][data-pending="1"]`, { hasText: '送信待ち' }).waitFor();
  }
  await page.locator('#offline-banner').waitFor({ state: 'visible', timeout: 20000 });
  // Finish: 巣なし, a fixed phrase and words, a photo from the camera.
  await page.locator('#done-form').waitFor();
  await shot('03-job-finish-form');
  await tap('#outcomes label:has(input[value="no_nest"])');
  await tap('.phrase >> text=住民へ説明済み');
  await page.locator('#note').fill(await page.locator('#note').inputValue() + '、軒下を確認');
  await page.setInputFiles('#photo', { name: 'nest.png', mimeType: 'image/png', buffer: PNG });
  await page.locator('.thumbs img').waitFor();
  await tap('#done-submit');
  await page.locator('#job-state[data-state="done"]').waitFor();
  await page.locator('#history li[data-what="done:no_nest"][data-pending="1"]', { hasText: '巣なし' }).waitFor();
  // Four steps to send (and the track's pieces, also in the outbox).
  assert.equal(await page.locator('#history li[data-pending="1"]', { hasText: '送信待ち' }).count(), 4);
  const pending = await page.locator('#sync-pending').innerText();
  assert.ok(Number(pending.match(/未送信 (\d+)件/)[1]) >= 4, pending);
  // The caller's name left the device with the closed job.
  assert.equal(await page.locator('#callers').count(), 0);
  await shot('04-job-done-offline');
  // The dispatcher has heard nothing yet.
  const r = await api('GET', `/api/v1/requests/${job.id}`);
  assert.equal(r.body.state, 'assigned');
});

test('the link returns: each step reaches the dispatcher once', async () => {
  linkUp = true;
  await page.locator('#sync-pending', { hasText: '未送信 0件' }).waitFor({ timeout: 30000 });
  await page.locator('#history li[data-pending="1"]').first().waitFor({ state: 'detached', timeout: 15000 });
  assert.equal(await page.locator('#history li .badge.sent').count(), 4);
  await page.locator('#offline-banner').waitFor({ state: 'hidden' });
  await shot('05-job-sent');
  const r = await api('GET', `/api/v1/requests/${job.id}`);
  assert.equal(r.body.state, 'done');
  assert.equal(r.body.outcome, 'no_nest');
  const kinds = r.body.events.map((e) => e.kind);
  for (const k of ['accept', 'en_route', 'on_site', 'done'])
    assert.equal(kinds.filter((x) => x === k).length, 1, `${k} once in ${kinds}`);
  const done = r.body.events.find((e) => e.kind === 'done');
  assert.match(JSON.stringify(done), /住民へ説明済み、軒下を確認/);
  // The photo follows the acknowledgement (uploaded by the same sync).
  for (let i = 0; i < 40; i++) {
    const p = await api('GET', `/api/v1/requests/${job.id}`);
    if ((p.body.photos || []).length === 1) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  const p = await api('GET', `/api/v1/requests/${job.id}`);
  assert.equal((p.body.photos || []).length, 1, JSON.stringify(p.body.photos));
});

test('a patrol: start, the track grows, a finding with a photo, stop', async () => {
  await tap('#nav a[data-view="patrol"]');
  await page.locator('#patrol-toggle[data-running="0"]').waitFor();
  await tap('#patrol-toggle');
  await page.locator('#patrol-toggle[data-running="1"]').waitFor();
  await page.locator('#track-count', { hasText: /軌跡 [2-9]\d*点|軌跡 1\d+点/ }).waitFor({ timeout: 40000 });
  await shot('06-patrol');
  await page.locator('#finding-category option[value="wasp_nest"]').waitFor({ state: 'attached' });
  await page.selectOption('#finding-category', 'wasp_nest');
  await page.selectOption('#q-nest_height', 'high');
  await page.selectOption('#q-location', 'outdoor');
  await tap('#finding-form .phrase >> text=周辺を安全確保');
  // The address is filled in from the position (the towns the server sent
  // the device), and the crew can add to it.
  await page.waitForFunction(() => /^川崎市麻生区/.test(document.querySelector('#finding-address').value),
    null, { timeout: 20000 });
  const auto = await page.locator('#finding-address').inputValue();
  await page.locator('#finding-address').fill(auto + ' 電柱の横');
  // The finding's fields take what patrold takes, no more (its limits).
  const limits = (await (await fetch(base + '/api/v1/config')).json()).limits;
  assert.equal(await page.getAttribute('#finding-address', 'maxlength'), String(limits.address));
  assert.equal(await page.getAttribute('#finding-form #note', 'maxlength'), String(limits.description));
  await page.setInputFiles('#photo', { name: 'finding.png', mimeType: 'image/png', buffer: PNG });
  await page.locator('.thumbs img').waitFor();
  await shot('07-finding');
  await tap('#finding-submit');
  await page.locator('#history li[data-what="finding:wasp_nest"]').waitFor();
  await tap('#patrol-toggle');
  await page.locator('#patrol-toggle[data-running="0"]').waitFor();
  await page.locator('#sync-pending', { hasText: '未送信 0件' }).waitFor({ timeout: 30000 });
  await page.locator('#history li[data-what="patrol:stop"][data-pending="0"]').waitFor({ timeout: 15000 });
  await shot('08-patrol-done');
  const q = spawnSync('psql', [info.db_url, '-At', '-c',
    `SELECT count(*) FROM patrol_sessions s JOIN crews c ON c.id = s.crew_id WHERE c.code = '${CREW}' AND stopped_at IS NOT NULL;` +
    ` SELECT count(*) FROM requests WHERE channel = 'patrol' AND category = 'wasp_nest';`], { encoding: 'utf8' });
  assert.equal(q.status, 0, q.stderr);
  assert.deepEqual(q.stdout.trim().split('\n'), ['1', '1']);
  const a = spawnSync('psql', [info.db_url, '-At', '-c',
    `SELECT address FROM requests WHERE channel = 'patrol' AND category = 'wasp_nest'`], { encoding: 'utf8' });
  assert.equal(a.stdout.trim(), auto + ' 電柱の横');
});

test('the screen in English when switched: the glossary\'s terms, the address hint whole', async () => {
  // The same words as the console's for the same things: the handheld's
  // table is generated from the glossary the server serves.
  const g = (await api('GET', '/api/v1/glossary')).body;
  await tap('#nav a[data-view="patrol"]');
  await page.locator('#finding-address-hint', { hasText: '位置から自動入力（修正できます）' }).waitFor({ timeout: 20000 });
  // Japanese first, in Japanese only (no English mixed into the field).
  assert.equal(await page.getAttribute('#finding-address', 'placeholder'), '住所（町名・番地）');
  assert.doesNotMatch(await page.locator('#finding-address-hint').innerText(), /[A-Za-z]/);
  await tap('#lang');
  await page.locator('#finding-address-hint', { hasText: 'Filled in from the position (you can change it)' }).waitFor({ timeout: 20000 });
  assert.equal(await page.getAttribute('#finding-address', 'placeholder'), 'Address (town, block number)');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.locator('#nav a[data-view="patrol"]', { hasText: 'Patrol' }).waitFor();
  await shot('08b-patrol-english');
  // The category's English name on the job screens (the server sends
  // both names; the agent keeps both).
  const cat = spawnSync('psql', [info.db_url, '-At', '-F', '|', '-c',
    `SELECT name_ja, name_en FROM categories WHERE code = 'wasp_nest'`], { encoding: 'utf8' });
  assert.equal(cat.status, 0, cat.stderr);
  const [catJa, catEn] = cat.stdout.trim().split('|');
  assert.ok(catEn && catEn !== catJa);
  await tap(`#nav a[data-view="jobs"]`);
  await page.locator(`li.job[data-id="${job.id}"] .top`, { hasText: catEn }).waitFor();
  assert.doesNotMatch(await page.locator(`li.job[data-id="${job.id}"] .top`).innerText(), new RegExp(catJa));
  await tap(`li.job[data-id="${job.id}"] a`);
  await page.locator('#job-state[data-state="done"]', { hasText: g['state.done'][1] }).waitFor();
  assert.equal(await page.locator('#job-category').innerText(), catEn);
  await page.locator(`#history li[data-what="accept"]`, { hasText: g['action.accept'][1] }).waitFor();
  await shot('08c-job-english');
  // Back to Japanese: the glossary's Japanese, kept after a reload.
  await tap('#lang');
  await page.locator('#job-state[data-state="done"]', { hasText: g['state.done'][0] }).waitFor();
  assert.equal(await page.locator('#job-category').innerText(), catJa);
  await page.locator(`#history li[data-what="accept"]`, { hasText: g['action.accept'][0] }).waitFor();
  await page.reload();
  await page.locator('#nav a[data-view="patrol"]', { hasText: '巡回' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
});

test('the way back: pieces by name and ward, one tap starts a patrol on them', async () => {
  // Two overdue roads between the crew and its office, one far away.
  const lines = {
    '帰路テスト通り': [[139.5040, 35.6000], [139.5045, 35.6010]],
    '帰路テスト川': [[139.5055, 35.6025], [139.5058, 35.6032]],
    '遠くの道': [[139.5600, 35.6300], [139.5610, 35.6310]],
  };
  const gj = join(agentDir, 'net.geojson');
  writeFileSync(gj, JSON.stringify({ type: 'FeatureCollection', features: Object.entries(lines).map(([name, ll]) => ({
    type: 'Feature', properties: { name, highway: 'residential' }, geometry: { type: 'LineString', coordinates: ll } })) }));
  run(PATROLCTL, ['--database-url', info.db_url, 'import', 'network', gj, '--kind', 'road']);
  await tap('#nav a[data-view="wayback"]');
  await tap('#wayback-refresh');
  await page.locator('#pieces li.piece', { hasText: '帰路テスト通り' }).waitFor({ timeout: 30000 });
  await page.locator('#pieces li.piece', { hasText: '帰路テスト川（麻生区）' }).waitFor();
  assert.equal(await page.locator('#pieces li.piece', { hasText: '遠くの道' }).count(), 0);
  const ids = await page.locator('input[name=piece]').evaluateAll((xs) => xs.map((x) => Number(x.value)));
  assert.ok(ids.length >= 2, String(ids));
  await shot('09-wayback');
  await tap('#wayback-take');
  await page.waitForURL('**/#/patrol');
  await page.locator('#patrol-toggle[data-running="1"]').waitFor();
  // The newest mark is first: this patrol's start, sent.
  await page.locator('#history li').first().and(page.locator('[data-what="patrol:start"][data-pending="0"]'))
    .waitFor({ timeout: 30000 });
  let q;
  for (let i = 0; i < 40; i++) {
    q = spawnSync('psql', [info.db_url, '-At', '-c',
      `SELECT array_to_string(piece_ids, ',') FROM patrol_sessions WHERE stopped_at IS NULL AND piece_ids IS NOT NULL`], { encoding: 'utf8' });
    assert.equal(q.status, 0, q.stderr);
    if (q.stdout.trim()) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  assert.deepEqual(q.stdout.trim().split(',').map(Number).sort(), ids.sort());
  await tap('#patrol-toggle');
  await page.locator('#patrol-toggle[data-running="0"]').waitFor();
});

test('status: device, crew, server, outbox, errors in words', async () => {
  await tap('#nav a[data-view="status"]');
  const t = page.locator('#status-table');
  await t.waitFor();
  await page.locator('#status-table', { hasText: CREW }).waitFor();
  const text = await t.innerText();
  assert.match(text, /有効/);
  assert.match(text, /Asia\/Tokyo/);
  await shot('10-status');
  // Offline: the error in words.
  cutLink();
  await tap('#sync-now');
  await page.locator('#status-table', { hasText: 'サーバーに接続できません' }).waitFor({ timeout: 60000 });
  await shot('11-status-offline');
  linkUp = true;
});

test('today\'s jobs follow the crew\'s day plan; a pin on the console moves them on the handheld', async () => {
  const made = [];
  // A pothole (the crew also has the road skill) and a wasp nest.
  for (const [at, category, answers] of [
    [[35.5990, 139.5030], 'road_pothole', { depth: 'shallow' }],
    [[35.6010, 139.5050], 'wasp_nest', WASP]])
    made.push(await newJob('計画順のテスト', { name: '計画 太郎', phone: '044-000-3333' }, at, category, answers));
  // The handheld's open jobs, top to bottom, as ids.
  const shown = () => page.locator('#jobs li.job:not(.closed)').evaluateAll(
    (xs) => xs.map((x) => Number(x.dataset.id)));
  for (const first of [made[1], made[0]]) {
    const pin = await api('POST', `/api/v1/crews/${crewId}/plan/pin`, { request_id: first, position: 1 });
    assert.equal(pin.status, 200, JSON.stringify(pin.body));
    let plan;
    for (let i = 0; i < 60; i++) {
      plan = (await api('GET', `/api/v1/crews/${crewId}/plan`)).body;
      if (plan.stops.length >= 2 && plan.stops[0].request_id === first) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    const want = plan.stops.map((s) => s.request_id);
    assert.equal(want[0], first, JSON.stringify(want));
    await tap('#nav a[data-view="jobs"]');
    let got;
    for (let i = 0; i < 60; i++) {
      got = await shown();
      if (JSON.stringify(got) === JSON.stringify(want)) break;
      if (i % 10 === 0) await syncNow();
      await page.waitForTimeout(500);
    }
    assert.deepEqual(got, want, 'the handheld shows the plan\'s order');
    await page.locator('#jobs-order[data-plan="1"]', { hasText: '作業計画の順' }).waitFor();
    assert.equal(await page.locator(`li.job[data-id="${first}"]`).getAttribute('data-plan'), '1');
    if (plan.stops[0].expected_from)
      await page.locator(`li.job[data-id="${first}"] .eta`, { hasText: /到着予定 \d\d:\d\d〜\d\d:\d\d/ }).waitFor();
  }
  // Each marked as the console marks it (the glossary's glyph.CODE): the
  // handheld once had its own list, with 道 for a pothole the console
  // marks 穴.
  assert.equal(await page.locator(`li.job[data-id="${made[0]}"] .icon`).textContent(), '穴');
  assert.equal(await page.locator(`li.job[data-id="${made[1]}"] .icon`).textContent(), '蜂');
  await shot('12-jobs-plan');
});

test('maps: tiles fetched onto the device are drawn; without them a plain background says so', async () => {
  // Before: the plain background and its notice (checked on the first
  // screen too). A tile server on this machine stands in for the real one.
  let asked = 0;
  const tileServer = await new Promise((resolve) => {
    const s = createHttpServer((req, res) => {
      asked++;
      if (!/^\/\d+\/\d+\/\d+\.png$/.test(req.url)) { res.writeHead(404); res.end(); return; }
      res.writeHead(200, { 'Content-Type': 'image/png' });
      res.end(PNG);
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const url = `http://127.0.0.1:${tileServer.address().port}/{z}/{x}/{y}.png`;
    const box = '139.495,35.592,139.510,35.606';
    // Too many tiles for --max: refused, nothing fetched.
    const big = spawnSync(AGENT, ['--dir', agentDir, 'tiles', 'fetch', '--url', url, '--bbox', box, '--zoom', '10-18', '--max', '50'],
      { encoding: 'utf8', timeout: 60000 });
    assert.equal(big.status, 2, big.stderr);
    assert.match(big.stderr, /more than --max 50: nothing fetched/);
    assert.equal(asked, 0);
    const out = await runAsync(AGENT, ['--dir', agentDir, 'tiles', 'fetch', '--url', url, '--bbox', box, '--zoom', '14-17']);
    const m = out.match(/^OK tiles: (\d+) fetched, 0 already here, 0 failed/m);
    assert.ok(m && Number(m[1]) > 0, out);
    assert.equal(Number(m[1]), asked);
    // Again: all kept, nothing asked.
    assert.match(await runAsync(AGENT, ['--dir', agentDir, 'tiles', 'fetch', '--url', url, '--bbox', box, '--zoom', '14-17']),
      new RegExp(`^OK tiles: 0 fetched, ${m[1]} already here`, 'm'));
    assert.equal(Number(m[1]), asked);
  } finally {
    tileServer.close();
  }
  // A tile needs the token like everything else; one not on the device is 404.
  assert.equal((await fetch(agentOrigin + '/tiles/15/29097/12918.png')).status, 403);
  const missing = await page.evaluate(() => fetch('/tiles/3/1/1.png').then((r) => r.status));
  assert.equal(missing, 404);
  await page.reload();
  await tap('#nav a[data-view="jobs"]');
  await page.locator('#jobs-map .nomap.tiles', { hasText: '端末の地図' }).waitFor({ timeout: 20000 });
  await page.locator('#jobs-map img.leaflet-tile-loaded').first().waitFor({ timeout: 20000 });
  assert.equal(await page.locator('#jobs-map .nomap:not(.tiles)').count(), 0);
  await shot('13-jobs-tiles');
});

test('a photo the server refuses for good shows on the job and on the status screen, with why', async () => {
  // A job finished with a photo while the link is cut; the photo kept on
  // the handheld goes bad before it is sent (a failing flash card): the
  // server's checksum disagrees (422), the agent gives the photo up, and
  // the crew sees which photo of which job and why, Japanese first.
  const rid = await jobOffline('写真のテスト', { name: '写真 次郎', phone: '044-000-4444' });
  for (const action of ['accept', 'en_route', 'on_site']) {
    await page.locator(`#job-step[data-action="${action}"]`).waitFor();
    await tap('#job-step');
    await page.locator(`#history li[data-what="${action}"]`).waitFor();
  }
  await page.locator('#done-form').waitFor();
  await tap('#outcomes label:has(input[value="no_nest"])');
  const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(5000)]);
  const sha = createHash('sha256').update(photo).digest('hex');
  await page.setInputFiles('#photo', { name: 'nest.jpg', mimeType: 'image/jpeg', buffer: photo });
  await page.locator('.thumbs img').waitFor();
  await tap('#done-submit');
  await page.locator('#job-state[data-state="done"]').waitFor();
  // The kept copy goes bad on the device, the same length.
  const kept = join(agentDir, 'photos', sha);
  chmodSync(kept, 0o600);
  const bad = readFileSync(kept);
  bad[2500] ^= 0xff;
  writeFileSync(kept, bad);
  linkUp = true;
  await syncNow();
  // The job's screen: the photo, its step and the reason, in words first.
  const item = page.locator(`#job-photos-refused li[data-sha256="${sha}"]`);
  await item.waitFor({ timeout: 30000 });
  const text = await item.innerText();
  assert.match(text, new RegExp(`^写真 完了：巣なし.*（案件 ${rid}）：写真が壊れて届きました（HTTP 422 checksum_mismatch: `), text);
  await page.locator('h2', { hasText: 'サーバーが受け付けなかった写真' }).waitFor();
  await shot('14-job-photo-refused');
  // The status screen lists it too; in English when switched.
  await tap('#nav a[data-view="status"]');
  const st = page.locator(`#photos-refused li[data-sha256="${sha}"]`);
  await st.waitFor({ timeout: 20000 });
  // The result by its name, as on the job's screen, not its code.
  assert.match(await st.innerText(), new RegExp(`^写真 完了：巣なし.*（案件 ${rid}）：写真が壊れて届きました（HTTP 422 checksum_mismatch`));
  await shot('15-status-photo-refused');
  await tap('#lang');
  await page.locator(`#photos-refused li[data-sha256="${sha}"]`, { hasText: `(job ${rid}): It arrived damaged (HTTP 422` }).waitFor();
  await page.locator('h2', { hasText: 'Photos the server refused' }).waitFor();
  await tap('#lang');
  await page.locator('h2', { hasText: 'サーバーが受け付けなかった写真' }).waitFor();
  // The server holds none of it, and the job's result is in.
  const p = await api('GET', `/api/v1/requests/${rid}`);
  assert.equal(p.body.state, 'done');
  assert.equal((p.body.photos || []).length, 0);
});

test('a job given back shows the handheld\'s own state in words, before and after the server has it', async () => {
  const rid = await jobOffline('辞退のテスト', { name: '辞退 三郎', phone: '044-000-5555' });
  await page.locator('#job-state[data-state="assigned"]').waitFor();
  await tap('#reject-open');
  await page.selectOption('#reason', { index: 1 });
  await tap('#reason-submit');
  // Given back, not yet sent: the device's own state, in words.
  await page.locator('#job-state[data-state="rejected"]', { hasText: '辞退済み' }).waitFor();
  await page.locator('#job-closed', { hasText: '「辞退済み」' }).waitFor();
  assert.equal(await page.locator('#callers').count(), 0);
  await shot('16-job-given-back');
  // Sent: back in the office's queue, no longer this crew's.
  linkUp = true;
  await syncNow();
  await page.locator('#job-state[data-state="reassigned"]', { hasText: '担当外' }).waitFor({ timeout: 30000 });
  assert.equal((await api('GET', `/api/v1/requests/${rid}`)).body.state, 'new');
  await tap('#lang');
  await page.locator('#job-state[data-state="reassigned"]', { hasText: 'No longer yours' }).waitFor();
  await tap('#lang');
});
