// Taking a call by address in a real browser (Debian's chromium driven by
// playwright-core) against the real patrold and PostgreSQL with the demo
// data (its town tables included): the call-taker types what the caller
// says into the one search box, candidates appear as they type, one is
// chosen with the keyboard, the pin and its accuracy circle appear, the
// pin can be dragged, and the request keeps the typed text, the point and
// how exact it is; the queue and the detail show the town.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (!process.env.DATABASE_URL) {
  console.error('DATABASE_URL is not set: run scripts/test.sh; skipped');
  process.exit(77);
}
const CHROMIUM = process.env.PATROL_CHROMIUM || '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing: run scripts/deps.sh test`);
  process.exit(1);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.error('playwright-core is missing (npm ci, done by scripts/deps.sh):', e.message);
  process.exit(1);
}
const SHOTS = process.env.PATROL_SCREENSHOT_DIR ||
  join(process.env.PATROL_BUILD_DIR || 'build', 'tests', 'browser', 'screenshots');
mkdirSync(SHOTS, { recursive: true });

let server, lines, info, base, browser, page;

function nextLine() {
  return new Promise((resolve, reject) => {
    lines.once('line', resolve);
    server.once('exit', (code) => reject(new Error('server.py exited ' + code)));
  });
}

before(async () => {
  server = spawn('python3', [join(here, 'server.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  lines = createInterface({ input: server.stdout });
  info = JSON.parse(await nextLine());
  base = 'http://127.0.0.1:' + info.port;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(base + '/');
  await page.locator('#login').waitFor({ state: 'visible' });
  await page.fill('#login-name', 'dispatcher');
  await page.fill('#login-password', 'patrol-demo');
  await page.press('#login-password', 'Enter');
  await page.locator('#live.live-on').waitFor();
});

after(async () => {
  if (browser) await browser.close();
  if (server) {
    const code = await new Promise((resolve) => {
      server.once('exit', (c) => resolve(c));
      server.stdin.end();
    });
    assert.equal(code, 0, 'patrold did not exit cleanly (see its log above)');
  }
});

async function startCall() {
  await page.keyboard.press('n');
  await page.locator('#intake-category:focus').waitFor();
  await page.selectOption('#intake-category', 'wasp_nest');
  await page.selectOption('#q-nest_height', 'eaves');
  await page.selectOption('#q-location', 'outdoor');
}

test('a call is placed by typing its address and choosing with the keyboard', async () => {
  await startCall();
  await page.focus('#intake-point');
  // Typed as the caller says it: full-width digits and dashes.
  await page.keyboard.type('中野島４－３－１', { delay: 60 });
  const first = page.locator('#intake-cand-0');
  await first.waitFor();
  assert.match(await first.innerText(), /神奈川県川崎市多摩区中野島四丁目/);
  assert.match(await first.innerText(), /未照合：３－１/);
  assert.equal(await page.getAttribute('#intake-point', 'aria-activedescendant'), 'intake-cand-0');
  // Down and up again: the keyboard moves the choice.
  const n = await page.locator('#intake-candidates li').count();
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.getAttribute('#intake-point', 'aria-activedescendant'),
    n > 1 ? 'intake-cand-1' : 'intake-cand-0');
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.getAttribute('#intake-point', 'aria-activedescendant'), 'intake-cand-0');
  await page.screenshot({ path: join(SHOTS, 'geo-01-candidates.png') });
  await page.keyboard.press('Enter');
  // Chosen: no call registered by that Enter, the place and how exact.
  await page.locator('#intake-place [data-level="town"]', { hasText: '中野島四丁目' }).waitFor();
  await page.locator('#intake-ward', { hasText: '多摩区' }).waitFor();
  assert.equal(await page.locator('#intake-candidates').isHidden(), true);
  assert.equal(page.url().endsWith('#/new'), true, page.url());
  const acc = await page.evaluate(async () => (await import('/console/js/map.js')).pickAccuracy());
  assert.ok(acc >= 150 && acc <= 3000, 'accuracy circle ' + acc);
  assert.ok(await page.locator('path.pick-accuracy').count() >= 1);
  assert.equal(await page.inputValue('#intake-address'), '神奈川県川崎市多摩区中野島四丁目 ３－１');
  await page.screenshot({ path: join(SHOTS, 'geo-02-chosen.png') });
  await page.fill('#intake-description', '軒下にスズメバチの巣');
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/requests') && r.request().method() === 'POST');
  await page.focus('#intake-description');
  await page.keyboard.press('Enter');
  const r = await created;
  assert.equal(r.status(), 201);
  const sent = JSON.parse(r.request().postData());
  assert.equal(sent.location_text, '中野島４－３－１');
  assert.equal(sent.location_level, 'town');
  const body = await r.json();
  assert.equal(body.town, '川崎市多摩区中野島四丁目');
  await page.waitForURL('**/#/requests/' + body.id);
  await page.locator('#detail-town', { hasText: '中野島四丁目' }).waitFor();
  await page.locator('#detail-town', { hasText: '中野島４－３－１' }).waitFor();
  await page.screenshot({ path: join(SHOTS, 'geo-03-detail.png') });
});

test('a typo gives only a "did you mean", and the pin can be dragged', async () => {
  await startCall();
  await page.focus('#intake-point');
  await page.keyboard.type('多摩区宿河源三丁目', { delay: 40 });
  const first = page.locator('#intake-cand-0');
  await first.waitFor();
  assert.match(await first.innerText(), /宿河原三丁目/);
  assert.equal(await first.getAttribute('data-match'), 'fuzzy');
  assert.match(await first.innerText(), /もしかして/);
  await page.keyboard.press('Enter');
  await page.locator('#intake-place [data-level="town"]').waitFor();
  // Drag the pin 60 px east: the point is now the dispatcher's.
  const pin = page.locator('.pick-icon');
  const box = await pin.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 30, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.locator('#intake-place [data-level="pin"]').waitFor();
  await page.fill('#intake-description', '宿河原の公園');
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/requests') && r.request().method() === 'POST');
  await page.focus('#intake-description');
  await page.keyboard.press('Enter');
  const r = await created;
  assert.equal(r.status(), 201);
  const sent = JSON.parse(r.request().postData());
  assert.equal(sent.location_level, 'pin');
  assert.equal(sent.location_text, '多摩区宿河源三丁目');
  const body = await r.json();
  // The queue shows the town of every request.
  await page.goto(base + '/#/queue');
  await page.locator(`tr[data-id="${body.id}"] .town`).waitFor();
  await page.screenshot({ path: join(SHOTS, 'geo-04-queue.png') });
});
