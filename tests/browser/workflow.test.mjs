// The dispatcher's workflow (issue 16) in a real browser (Debian's
// chromium driven by playwright-core) against the real patrold, an SMTP
// sink and PostgreSQL: a promised call-back comes due and alerts; a
// hand-over's e-mail arrives at the sink and its receipt link, opened
// without logging in, closes the request. Screenshots go to
// PATROL_SCREENSHOT_DIR (names starting with "w").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
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

let server, lines, info, base, browser, context, page;

function nextLine() {
  return new Promise((resolve, reject) => {
    lines.once('line', resolve);
    server.once('exit', (code) => reject(new Error('workflow_server.py exited ' + code)));
  });
}

async function shot(name) {
  await page.screenshot({ path: join(SHOTS, name + '.png') });
}

async function api(method, path, body, token = info.dispatcher_token) {
  const r = await fetch(base + path, {
    method,
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

async function login(name, password) {
  await page.goto(base + '/');
  await page.locator('#login').waitFor({ state: 'visible' });
  await page.fill('#login-name', name);
  await page.fill('#login-password', password);
  const reply = page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST');
  await page.press('#login-password', 'Enter');
  assert.equal((await reply).status(), 200);
  await page.locator('#live.live-on').waitFor();
}

// The decoded text of every message at the sink.
function mails() {
  return readdirSync(info.mail_dir).filter((f) => f.endsWith('.eml')).sort().map((f) => {
    const raw = readFileSync(join(info.mail_dir, f), 'utf8');
    const [head, ...rest] = raw.split(/\r?\n\r?\n/);
    const body = /Content-Transfer-Encoding: base64/i.test(head)
      ? Buffer.from(rest.join('').replace(/\s+/g, ''), 'base64').toString('utf8') : rest.join('\n\n');
    return { head, body };
  });
}

async function mailFor(id) {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    const m = mails().find((x) => x.body.includes('#' + id));
    if (m) return m;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no hand-over e-mail for #' + id + ' at the SMTP sink');
}

before(async () => {
  server = spawn('python3', [join(here, 'workflow_server.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  lines = createInterface({ input: server.stdout });
  info = JSON.parse(await nextLine());
  base = 'http://127.0.0.1:' + info.port;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
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

test('a promised call-back comes due and alerts', async () => {
  await login('dispatcher', 'patrol-demo');
  await page.locator('#queue-rows tr[data-id]').first().waitFor();
  // Call-backs already due (the demo's own) are counted; ours adds one.
  const due = await page.evaluate(async () => {
    const r = await fetch('/api/v1/callbacks?status=due&brief=1');
    return (await r.json()).length;
  });
  await page.waitForFunction((n) => (document.getElementById('callback-badge').hidden ? 0
    : Number(document.getElementById('callback-badge').textContent)) === n, due);
  const at = new Date(Date.now() + 6000).toISOString();
  const r = await api('POST', '/api/v1/requests', {
    category: 'wasp_nest', lat: 35.6150, lon: 139.5550, address: '中野島の住宅 庭木',
    description: '庭木にアシナガバチの巣', answers: { nest_height: 'ground', location: 'outdoor' },
    caller: { name: '中野 次郎', phone: '044-000-5555' }, callback_at: at });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = r.body.id;
  await page.locator(`#queue-rows tr[data-id="${id}"]`).waitFor();
  // Not yet: nothing is due before the promised time.
  assert.equal(await page.locator(`#alerts li[data-id="${id}"]`).count(), 0);
  assert.equal(await page.locator(`#queue-rows tr[data-id="${id}"].cb-due`).count(), 0);
  // At the promised time: the badge, the alert feed, the queue and the map.
  await page.locator('#callback-badge', { hasText: String(due + 1) }).waitFor({ timeout: 15000 });
  await page.locator(`#alerts li[data-kind="callback"][data-id="${id}"]`, { hasText: '#' + id }).waitFor();
  await page.locator(`#queue-rows tr.cb-due[data-id="${id}"]`).waitFor();
  await page.locator(`#map .rq.cb[data-id="${id}"]`).waitFor();
  await shot('w01-callback-due');
  // Recorded from the call-backs screen: no answer keeps it, with a
  // proposed next attempt; explained closes it.
  await page.click('#nav a[data-view="callbacks"]');
  const row = page.locator(`#callbacks-table tr[data-id="${id}"]`);
  await row.waitFor();
  await row.locator('button[data-result="no_answer"]').click();
  await row.locator('.cb-next', { hasText: '次回' }).waitFor().catch(() => {});
  await page.waitForFunction((n) => (document.getElementById('callback-badge').hidden ? 0
    : Number(document.getElementById('callback-badge').textContent)) === n, due, { timeout: 10000 });
  await shot('w02-callback-no-answer');
  const det = await api('GET', '/api/v1/requests/' + id);
  assert.equal(det.body.callback_result, 'no_answer');
  assert.equal(det.body.callback_done_at, null);
});

test('a hand-over e-mail arrives and its receipt link closes the request', async () => {
  const r = await api('POST', '/api/v1/requests', {
    category: 'river_defect', lat: 35.6185, lon: 139.5620, address: '二ヶ領用水 中野島付近',
    description: '用水路の柵が倒れている', caller: { name: '宿河原 三郎', phone: '044-000-6666' } });
  assert.equal(r.status, 201);
  const id = r.body.id;
  await page.goto(base + '/#/requests/' + id);
  await page.locator('#detail-state[data-state="new"]').waitFor();
  await page.click('#detail-handover summary');
  await page.locator('#handover-recipient option', { hasText: '横浜川崎治水事務所' }).waitFor({ state: 'attached' });
  const value = await page.locator('#handover-recipient option', { hasText: '横浜川崎治水事務所' }).getAttribute('value');
  await page.selectOption('#handover-recipient', value);
  await page.locator('#handover-info', { hasText: '県管理河川' }).waitFor();
  await page.fill('#detail-handover textarea[name="note"]', '県管理の水路。住民へは県から連絡予定');
  await shot('w03-handover-form');
  await page.click('#detail-handover button[type="submit"]');
  // Open, not done: waiting for the recipient.
  await page.locator('#detail-state[data-state="handing_over"]', { hasText: '引継ぎ中' }).waitFor();
  await page.locator('#detail-handovers .waiting').waitFor();
  const mail = await mailFor(id);
  assert.match(mail.head, /To: <chisui\.demo@example\.jp>/);
  assert.match(mail.body, /用水路の柵が倒れている/);
  assert.match(mail.body, /県管理の水路/);
  assert.ok(!mail.body.includes('宿河原 三郎'), 'no caller name in the e-mail');
  const link = mail.body.match(/https?:\/\/\S+\/handover\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/)[0];
  await page.locator('#detail-handovers', { hasText: 'メール送信' }).waitFor();
  await shot('w04-handing-over');
  // The recipient: no log-in, a name, one click.
  const other = await browser.newContext({ viewport: { width: 1000, height: 700 }, locale: 'ja-JP' });
  const p2 = await other.newPage();
  await p2.goto(link);
  await p2.locator('#receipt-case', { hasText: '用水路の柵が倒れている' }).waitFor();
  await p2.fill('input[name="received_by"]', '治水事務所 田中');
  await p2.screenshot({ path: join(SHOTS, 'w05-receipt-page.png') });
  await p2.click('#receipt-form button');
  await p2.locator('#receipt-title', { hasText: '受領を記録しました' }).waitFor();
  // Used once: the same link again is refused.
  const again = await p2.goto(link);
  assert.equal(again.status(), 409);
  await other.close();
  // The dispatcher's page follows live: closed as handed over.
  await page.locator('#detail-state[data-state="done"]').waitFor({ timeout: 10000 });
  await page.locator('#detail-handovers .received', { hasText: '治水事務所 田中' }).waitFor();
  await page.locator('#detail-outcome', { hasText: '他機関へ引継ぎ' }).waitFor();
  await shot('w06-handed-over');
  // The caller's call-back says whom it went to.
  await page.click('#nav a[data-view="callbacks"]');
  await page.locator(`#callbacks-table tr[data-id="${id}"] .handed-to`, { hasText: '横浜川崎治水事務所' }).waitFor();
  await shot('w07-callbacks-handed-to');
});

test('the admin keeps the directory; removing asks first', async () => {
  await page.click('#logout');
  await page.locator('#login').waitFor({ state: 'visible' });
  await login('admin1', 'admin-password-1');
  await page.goto(base + '/#/directory');
  await page.locator('#directory-table tr[data-id]').first().waitFor();
  assert.ok(await page.locator('#directory-table tr[data-id]').count() >= 6);
  await page.fill('#directory-add input[name="name"]', '上下水道局 管路課（テスト）');
  await page.fill('#directory-add input[name="email"]', 'kanro@example.jp');
  await page.fill('#directory-add input[name="phone"]', '044-000-7777');
  await page.click('#directory-add button[type="submit"]');
  const row = page.locator('#directory-table tr', { hasText: '上下水道局 管路課' });
  await row.waitFor();
  await shot('w08-directory');
  page.once('dialog', (d) => d.dismiss());
  await row.locator('button').click();
  await page.waitForTimeout(300);
  assert.equal(await row.count(), 1, 'dismissed: still there');
  page.once('dialog', (d) => d.accept());
  await row.locator('button').click();
  await row.waitFor({ state: 'detached' });
});
