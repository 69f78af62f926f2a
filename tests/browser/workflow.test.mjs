// The dispatcher's workflow (issue 16) in a real browser (Debian's
// chromium driven by playwright-core) against the real patrold, an SMTP
// sink and PostgreSQL: a promised call-back comes due and alerts; a
// hand-over's e-mail arrives at the sink and its receipt link, opened
// without logging in, closes the request; `a` on an assigned request
// asks first; the queue at 30 open requests fits without wrapping; a
// merge shows both callers on the parent and on the handheld (the crew's
// screen, the real `patrol-agent serve`); a petition's survey. Screenshots go to
// PATROL_SCREENSHOT_DIR (names starting with "w").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Harness, AGENT, PATROLCTL, run } from './lib.mjs';

const h = new Harness({ script: 'workflow_server.py' });
let info, base, browser, page;

const shot = (name) => h.shot(name);
const api = (method, path, body, token = info.dispatcher_token) => h.api(method, path, body, token);
const login = (name, password) => h.loginOk(name, password);

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
  await h.start();
  ({ info, base, browser, page } = h);
});

after(() => h.close());

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
  const promised = Date.now() + 8000;
  const at = new Date(promised).toISOString();
  const r = await api('POST', '/api/v1/requests', {
    category: 'wasp_nest', lat: 35.6150, lon: 139.5550, address: '中野島の住宅 庭木',
    description: '庭木にアシナガバチの巣', answers: { nest_height: 'ground', location: 'outdoor' },
    caller: { name: '中野 次郎', phone: '044-000-5555' }, callback_at: at });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = r.body.id;
  await page.locator(`#queue-rows tr[data-id="${id}"]`).waitFor();
  // Not yet: nothing is due before the promised time (checked while it is
  // still before it: on a loaded machine the row may come late).
  const early = await page.evaluate(([rid]) => [document.querySelectorAll(`#alerts li[data-id="${rid}"]`).length,
    document.querySelectorAll(`#queue-rows tr[data-id="${rid}"].cb-due`).length, Date.now()], [id]);
  if (early[2] < promised - 500) assert.deepEqual(early.slice(0, 2), [0, 0], 'alerted before the promised time');
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
  // The proposed next attempt stays on the row (the list is redrawn).
  await row.locator('.cb-next-at', { hasText: '次回' }).waitFor();
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
  await showRequest(id);
  await page.locator('#detail-state[data-state="new"]').waitFor();
  await page.click('#detail-handover summary');
  await page.locator('#handover-recipient option', { hasText: '横浜川崎治水事務所' }).waitFor({ state: 'attached' });
  const value = await page.locator('#handover-recipient option', { hasText: '横浜川崎治水事務所' }).getAttribute('value');
  // A demo entry is marked once, from its flag (the name carried it too once).
  assert.equal((await page.locator('#handover-recipient option', { hasText: '横浜川崎治水事務所' }).textContent()).trim(),
    '横浜川崎治水事務所 河川管理課（デモ）');
  await page.selectOption('#handover-recipient', value);
  await page.locator('#handover-info', { hasText: '県管理河川' }).waitFor();
  // A live update redraws the view (another call comes in): the chosen
  // recipient stays chosen and its duties stay shown (they vanished once).
  const before = await page.$('#handover-info');
  const call = await api('POST', '/api/v1/requests', {
    category: 'road_pothole', channel: 'phone', lat: 35.6190, lon: 139.5630, answers: { depth: 'shallow' } });
  assert.equal(call.status, 201);
  await page.waitForFunction((el) => !el.isConnected, before, { timeout: 15000 });
  assert.equal(await page.inputValue('#handover-recipient'), value);
  await page.locator('#handover-info', { hasText: '県管理河川' }).waitFor({ timeout: 5000 });
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
  // The call-backs screen, open in another tab, follows the receipt live.
  const tab = await page.context().newPage();
  await tab.goto(base + '/#/callbacks');
  await tab.locator('#live.live-on').waitFor();
  await tab.locator('#callbacks').waitFor();
  // The recipient: no log-in, a name, one click.
  const other = await browser.newContext({ viewport: { width: 1000, height: 700 }, locale: 'ja-JP' });
  const p2 = await other.newPage();
  await p2.goto(link);
  await p2.locator('#receipt-case', { hasText: '用水路の柵が倒れている' }).waitFor();
  await p2.fill('input[name="received_by"]', '治水事務所 田中');
  await h.shot('w05-receipt-page', { page: p2 });
  await p2.click('#receipt-form button');
  await p2.locator('#receipt-title', { hasText: '受領を記録しました' }).waitFor();
  // Used once: the same link again is refused.
  const again = await p2.goto(link);
  assert.equal(again.status(), 409);
  await other.close();
  await tab.locator(`#callbacks-table tr[data-id="${id}"] .handed-to`, { hasText: '治水事務所 田中' }).waitFor({ timeout: 10000 });
  await tab.close();
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
  // The same name again: refused, and the dispatcher reads why in
  // Japanese (the server's English once).
  await page.fill('#directory-add input[name="name"]', '上下水道局 管路課（テスト）');
  await page.fill('#directory-add input[name="email"]', 'kanro2@example.jp');
  await page.click('#directory-add button[type="submit"]');
  await page.locator('#directory p.error[role="alert"]', { hasText: 'エラー：同じ名前がすでに登録されています。' }).waitFor();
  assert.equal(await row.count(), 1);
  await shot('w08-directory');
  page.once('dialog', (d) => d.dismiss());
  await row.locator('button').click();
  await page.waitForTimeout(300);
  assert.equal(await row.count(), 1, 'dismissed: still there');
  page.once('dialog', (d) => d.accept());
  await row.locator('button').click();
  await row.waitFor({ state: 'detached' });
});

// ---- Part two: safe keys, the queue at peak, merges, petitions ----------

// The detail view of request id, drawn: a hash change does not reload the
// page, so the previous request's view (its state, its buttons) is on the
// screen until the new one is drawn, and a key pressed then acts on it.
async function showRequest(id) {
  await page.goto(base + '/#/requests/' + id);
  await page.locator(`#detail-state[data-id="${id}"]`).waitFor();
}

async function openRequests() {
  return (await api('GET', '/api/v1/requests?state=open&limit=1000')).body;
}

test('`a` on an assigned request asks first and says it will reassign', async () => {
  if (await page.locator('#logout').isVisible()) {
    await page.click('#logout');
    await page.locator('#login').waitFor({ state: 'visible' });
  }
  await login('dispatcher', 'patrol-demo');
  const r = await api('POST', '/api/v1/requests', {
    category: 'wasp_nest', lat: 35.6120, lon: 139.5580, address: '菅の住宅 物置', description: '物置にスズメバチ',
    answers: { nest_height: 'ground', location: 'outdoor' } });
  const id = r.body.id;
  const recs = (await api('GET', '/api/v1/requests/' + id + '/recommendations')).body.crews;
  assert.ok(recs.length >= 2, 'two crews to choose from');
  const first = recs[0].crew;
  assert.equal((await api('POST', '/api/v1/requests/' + id + '/assign', { crew_id: first.id })).status, 200);
  await showRequest(id);
  await page.locator(`#detail-state[data-id="${id}"][data-state="assigned"]`).waitFor();
  await page.locator('#assign-top').waitFor();
  // Declined: nothing changes. (The key press returns once the question
  // is answered, so it is answered in the handler.)
  const question = new Promise((resolve) => page.once('dialog', (d) => { resolve(d.message()); d.dismiss(); }));
  await page.keyboard.press('a');
  const asked = await Promise.race([question, new Promise((resolve, reject) =>
    setTimeout(() => reject(new Error('`a` did not ask before reassigning')), 30000))]);
  assert.match(asked, /割り当て直し/);
  assert.ok(asked.includes(first.name), asked);
  assert.equal((await api('GET', '/api/v1/requests/' + id)).body.crew_id, first.id);
  await page.locator('#detail-state[data-state="assigned"]').waitFor();
  // Accepted: reassigned to the top recommendation.
  page.once('dialog', (d) => d.accept());
  await page.keyboard.press('a');
  await page.waitForFunction(async (rid) => {
    const x = await (await fetch('/api/v1/requests/' + rid)).json();
    return x.events.some((e) => e.kind === 'reassign');
  }, id, { timeout: 10000 });
  assert.notEqual((await api('GET', '/api/v1/requests/' + id)).body.crew_id, first.id);
});

test('`a` on a new request assigns at once and offers undo', async () => {
  const r = await api('POST', '/api/v1/requests', {
    category: 'wasp_nest', lat: 35.6125, lon: 139.5585, address: '菅の住宅 軒下', description: '軒下にアシナガバチ',
    answers: { nest_height: 'eaves', location: 'outdoor' } });
  const id = r.body.id;
  await showRequest(id);
  await page.locator('#assign-top').waitFor();
  // A new request: no question; a dialog here would be a failure.
  let asked = null;
  const onDialog = (d) => { asked = d.message(); d.dismiss(); };
  page.on('dialog', onDialog);
  await page.keyboard.press('a');
  await page.locator(`#detail-state[data-id="${id}"][data-state="assigned"]`).waitFor();
  await page.locator('#undo:not([hidden])', { hasText: '元に戻す' }).waitFor();
  page.off('dialog', onDialog);
  assert.equal(asked, null, 'a new request was assigned without a question');
  assert.match(await page.locator('#undo').innerText(), new RegExp('#' + id + ' '));
  await shot('w09-undo-assign');
  await page.click('#undo button');
  await page.locator(`#detail-state[data-id="${id}"][data-state="new"]`).waitFor();
});

test('the queue at 30 open requests fits without wrapping; / matches words, not digits inside numbers', async () => {
  let open = await openRequests();
  const names = ['多摩区 宿河原', '登戸 新町', '中野島 三丁目', '菅北浦', '長尾台', '枡形 六丁目'];
  for (let i = 0; open.length + i < 30; i++) {
    const cats = [['road_pothole', { depth: 'deep' }], ['crow_nest', {}], ['road_tree', { blocking: 'no' }], ['park_other', {}]];
    const [cat, answers] = cats[i % cats.length];
    const res = await api('POST', '/api/v1/requests', {
      category: cat, lat: 35.600 + (i % 6) * 0.006, lon: 139.530 + Math.floor(i / 6) * 0.008, answers,
      address: names[i % names.length] + ' ' + (i + 1) + '番地付近', description: '説明文 ' + (i + 1) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  // What needs an eye at peak, marked on its row: a likely duplicate (a
  // second wasp nest a few metres from the first), a call-back promised for
  // a minute ago, an escalation (assigned, its assignment then made an hour
  // old, escalated by patrold's own check) and the demo's outside-ward call.
  const w1 = (await api('POST', '/api/v1/requests', {
    category: 'wasp_nest', lat: 35.6302, lon: 139.5105, address: 'ハチの巣 多摩区 東生田一丁目 児童公園の生け垣', description: '生け垣の中に大きな巣',
    answers: { nest_height: 'ground', location: 'outdoor' } })).body;
  const w2 = (await api('POST', '/api/v1/requests', {
    category: 'wasp_nest', lat: 35.6303, lon: 139.5106, address: '東生田一丁目 公園脇', description: '同じ公園でハチが多い',
    answers: { nest_height: 'ground', location: 'outdoor' },
    caller: { name: '生田 花子', phone: '044-000-7001' }, callback_at: new Date(Date.now() - 60000).toISOString() })).body;
  const wcrew = (await api('GET', '/api/v1/requests/' + w1.id + '/recommendations')).body.crews[0].crew;
  assert.equal((await api('POST', '/api/v1/requests/' + w1.id + '/assign', { crew_id: wcrew.id })).status, 200);
  run('psql', [info.db_url, '-qAt', '-c', `UPDATE requests SET state_changed_at = now() - interval '1 hour' WHERE id = ${w1.id}`]);
  open = await openRequests();
  assert.ok(open.length >= 30, String(open.length));
  await page.goto(base + '/#/queue');
  await page.locator('#queue-rows tr[data-id]').nth(29).waitFor({ state: 'attached' });
  await page.locator(`#queue-rows tr[data-id="${w1.id}"] .mk-esc`).waitFor({ timeout: 15000 });
  await page.locator(`#queue-rows tr[data-id="${w1.id}"] .mk-dup`).waitFor();
  await page.locator(`#queue-rows tr[data-id="${w2.id}"] .mk-dup`).waitFor();
  await page.locator(`#queue-rows tr[data-id="${w2.id}"] .mk-cb`).waitFor({ timeout: 15000 });
  await page.locator('#queue-rows tr[data-id="4"] .outside-ward').waitFor();
  await page.waitForTimeout(300);
  const check = await page.evaluate(() => {
    // Lines of text in a cell: its text nodes' boxes, by distinct top
    // (more than half a line apart: a glyph beside text is the same line).
    const lines = (el) => {
      const tops = [];
      const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        if (!n.textContent.trim()) continue;
        const r = document.createRange();
        r.selectNodeContents(n);
        for (const b of r.getClientRects()) if (b.width > 0) tops.push(b.top);
      }
      tops.sort((x, y) => x - y);
      return tops.reduce((k, t, i) => k + (i > 0 && t - tops[i - 1] > 8 ? 1 : 0), tops.length ? 1 : 0);
    };
    const trs = [...document.querySelectorAll('#queue-rows tr[data-id]')];
    const wrapped = [];
    for (const tr of trs) for (const td of tr.children) if (lines(td) > 1) wrapped.push(tr.dataset.id + ': ' + td.textContent);
    const heights = trs.map((tr) => Math.round(tr.getBoundingClientRect().height));
    const lineHeight = parseFloat(getComputedStyle(trs[0].children[3]).lineHeight) || 20;
    const scroll = document.querySelector('#queue-table').closest('.scroll');
    const box = scroll.getBoundingClientRect();
    const visible = trs.filter((tr) => { const b = tr.getBoundingClientRect(); return b.top >= box.top && b.bottom <= box.bottom; }).length;
    const heads = [...document.querySelectorAll('#queue-table thead th')].map((th) => th.textContent);
    return { wrapped, heights, lineHeight, visible, heads, overflowX: scroll.scrollWidth - scroll.clientWidth };
  });
  assert.deepEqual(check.wrapped, []);
  // Every row one line high: the same height, less than two lines.
  assert.equal(new Set(check.heights).size, 1, 'row heights: ' + check.heights.join(','));
  assert.ok(check.heights[0] < 2 * check.lineHeight, check.heights[0] + ' px for a line of ' + check.lineHeight);
  assert.ok(check.overflowX <= 0, 'the queue is wider than its panel by ' + check.overflowX + ' px');
  assert.ok(check.visible > 10, 'rows on screen: ' + check.visible);
  assert.ok(check.heads.includes('受付'), check.heads.join(','));
  await shot('w10-queue-30-open');
  // "/" then a number: that request, not every number containing it.
  const ids = open.map((r) => r.id);
  const probe = ids.find((x) => x < 10 && ids.some((y) => y !== x && String(y).includes(String(x))));
  assert.ok(probe, 'an id that is inside another id');
  await page.keyboard.press('/');
  await page.keyboard.type('#' + probe);
  await page.waitForTimeout(200);
  let shown = await page.locator('#queue-rows tr[data-id]').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.id)));
  assert.deepEqual(shown, [probe]);
  // A bare number is a whole number: 7 finds "#7" and "7番地", not 17 or 27.
  await page.fill('#queue-filter', '7');
  await page.dispatchEvent('#queue-filter', 'input');
  shown = await page.locator('#queue-rows tr[data-id]').evaluateAll((trs) => trs.map((tr) =>
    tr.querySelector('td.num').firstChild.textContent + ' ' + tr.querySelector('td.place').textContent));
  assert.ok(shown.length >= 1);
  for (const txt of shown) assert.match(txt, /(^|[^0-9])7(?![0-9])/, txt);
  await page.keyboard.press('Escape');
  await page.fill('#queue-filter', '');
  await page.dispatchEvent('#queue-filter', 'input');
  // The map at city zoom: clusters, crews on top, a colour legend.
  await page.click('#nav a[data-view="map"]');
  await page.evaluate(async () => { (await import('/console/js/map.js')).setView(35.6, 139.55, 12); });
  await page.locator('#map .cluster').first().waitFor();
  // Each bubble has the colour of its most urgent state, the first of the
  // life cycle's open set: calls nobody has taken yet are among them.
  await page.locator('#map .cluster.st-new').first().waitFor();
  assert.equal(await page.locator('#map .cluster.st-none').count(), 0);
  await page.locator('#legend .lg-row .cat-wasp').first().waitFor();
  await shot('w11-map-clusters');
});

test('a merge shows both callers on the parent and on the handheld; intake adds a caller without a new request', async () => {
  const at = [35.6188, 139.5702];
  const a = (await api('POST', '/api/v1/requests', {
    category: 'wasp_nest', lat: at[0], lon: at[1], address: '登戸小学校の北 生け垣', description: '生け垣にスズメバチの巣',
    answers: { nest_height: 'ground', location: 'outdoor' }, caller: { name: '登戸 一郎', phone: '044-000-8001' } })).body;
  const b = (await api('POST', '/api/v1/requests', {
    category: 'wasp_nest', lat: at[0] + 0.0003, lon: at[1], address: '登戸小学校の北', description: '通学路の近くでハチが飛んでいる',
    answers: { nest_height: 'ground', location: 'outdoor', near_path: 'yes' },
    caller: { name: '登戸 二郎', phone: '044-000-8002' } })).body;
  assert.ok(b.duplicates.some((d) => d.id === a.id), JSON.stringify(b.duplicates));
  await showRequest(b.id);
  await page.locator(`#detail-dups li[data-id="${a.id}"] button`).click();
  await page.locator('#detail-state[data-state="merged"]').waitFor();
  await showRequest(a.id);
  for (const name of ['登戸 一郎', '登戸 二郎']) await page.locator('#detail-callers li.caller', { hasText: name }).waitFor();
  await page.locator('#detail-merged', { hasText: '通学路の近くでハチが飛んでいる' }).waitFor();
  await page.locator('#detail-merged', { hasText: '通学路・出入口の近く' }).waitFor();
  await shot('w12-merged-parent');
  // The crew's handheld: both callers and the merged note.
  const recs = (await api('GET', '/api/v1/requests/' + a.id + '/recommendations')).body.crews;
  const crew = recs[0].crew;
  assert.equal((await api('POST', '/api/v1/requests/' + a.id + '/assign', { crew_id: crew.id })).status, 200);
  const agentDir = mkdtempSync(join(process.env.TMPDIR || tmpdir(), 'workflow-agent-'));
  let agent = null, phone = null;
  try {
    const code = run(PATROLCTL, ['--database-url', info.db_url, 'device', 'enroll', '--crew', crew.code]).trim();
    assert.match(run(AGENT, ['--dir', agentDir, 'enroll', '--server', base, '--code', code]), /OK enrolled/);
    // The crew's screen: patrol-agent serve, on a phone-sized page.
    agent = spawn(AGENT, ['--dir', agentDir, 'serve', '--listen', '127.0.0.1:0', '--no-gps', '--backoff-max', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATROL_AGENT_TIMEOUT_S: '5' } });
    agent.stderr.on('data', (d) => process.stderr.write('agent: ' + d));
    const agentUrl = await new Promise((resolve, reject) => {
      const rl = createInterface({ input: agent.stdout });
      rl.on('line', (l) => { const m = l.match(/^OK screen at (\S+)$/); if (m) resolve(m[1]); });
      agent.once('exit', (c) => reject(new Error('patrol-agent serve exited ' + c)));
    });
    phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' });
    const hp = await phone.newPage();
    await hp.goto(agentUrl);
    await hp.locator(`li.job[data-id="${a.id}"] a`).click({ timeout: 30000 });
    for (const name of ['登戸 一郎', '登戸 二郎']) await hp.locator('#callers', { hasText: name }).waitFor();
    await hp.locator('dd', { hasText: '通学路の近くでハチが飛んでいる' }).waitFor();
    await h.shot('w13-handheld-merged', { page: hp, fullPage: true });
  } finally {
    if (phone) await phone.close();
    if (agent && agent.exitCode === null) {
      const done = new Promise((resolve) => agent.once('exit', resolve));
      agent.kill('SIGTERM');
      assert.equal(await done, 0, 'patrol-agent serve did not exit cleanly');
    }
    rmSync(agentDir, { recursive: true, force: true });
  }
  // A third call about the same nest: added to it, no new request.
  const before = (await openRequests()).length;
  await page.goto(base + '/#/new');
  await page.selectOption('#intake-category', 'wasp_nest');
  await page.locator('#intake-script', { hasText: '巣に近づかず' }).waitFor();
  await page.evaluate(async ([la, lo]) => {
    const m = await import('/console/js/map.js');
    m.setView(la, lo, 17);
  }, at);
  const p = await page.evaluate(async ([la, lo]) => (await import('/console/js/map.js')).pointFor(la, lo), [at[0] + 0.0008, at[1]]);
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + p.x, box.y + p.y);
  await page.fill('#intake-caller-name', '登戸 三郎');
  await page.fill('#intake-caller-phone', '044-000-8003');
  await page.fill('#intake-description', '朝も見かけた');
  const add = page.locator(`#intake-dups li.dup[data-id="${a.id}"] button.add-caller`);
  await add.waitFor();
  assert.match(await add.innerText(), /この案件に通報者を追加/);
  await shot('w14-intake-add-caller');
  await add.click();
  await page.waitForURL('**/#/requests/' + a.id);
  await page.locator('#detail-callers li.caller', { hasText: '登戸 三郎' }).waitFor();
  assert.equal((await openRequests()).length, before);
});

test('a petition gets a survey with its own deadline; its result ties the call-back', async () => {
  const r = await api('POST', '/api/v1/requests', {
    category: 'road_fixture', channel: 'petition', lat: 35.6160, lon: 139.5640, address: '町内会 要望：交差点のカーブミラー',
    description: '町内会長より陳情。カーブミラーが曲がっていて見えない', caller: { name: '町内会長 多摩', phone: '044-000-9001' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.ok(r.body.survey_due);
  await showRequest(r.body.id);
  await page.locator('#detail-survey', { hasText: '現地調査' }).waitFor();
  await page.locator('#survey-form').waitFor();
  await page.fill('#detail-survey textarea[name="findings"]', 'ミラーが約30度ずれている。支柱は健全');
  await page.fill('#detail-survey input[name="proposed_action"]', '角度調整（今週中）');
  await page.click('#detail-survey button[type="submit"]');
  await page.locator('#detail-survey .recorded', { hasText: 'ミラーが約30度ずれている' }).waitFor();
  await shot('w15-petition-survey');
  const cbs = (await api('GET', '/api/v1/callbacks?status=due&brief=1')).body;
  assert.ok(cbs.some((c) => c.request_id === r.body.id), 'the petitioner is to be called back now');
});

// The console's forms take as much text as the server does and no more:
// their maxlength comes from GET /api/v1/config (field_limits.h), not from
// numbers of their own (a note was cut at 2000 while the server took 4000).
test('a note, a reason and a caller take as much text in the console as the server takes', async () => {
  const limits = (await (await fetch(base + '/api/v1/config')).json()).limits;
  const r = await api('POST', '/api/v1/requests', {
    category: 'wasp_nest', lat: 35.6130, lon: 139.5590, address: '菅の住宅 ベランダ', description: 'ベランダにアシナガバチ',
    answers: { nest_height: 'eaves', location: 'outdoor' }, caller: { name: '菅 四郎', phone: '044-000-7001' },
    callback_at: new Date(Date.now() + 86400000).toISOString() });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = r.body.id;
  const crew = (await api('GET', '/api/v1/requests/' + id + '/recommendations')).body.crews[0].crew;
  assert.equal((await api('POST', '/api/v1/requests/' + id + '/assign', { crew_id: crew.id })).status, 200);
  // The server's limit is the served one: one more character is refused.
  const over = await api('POST', '/api/v1/requests/' + id + '/accept', { note: 'あ'.repeat(limits.note + 1) });
  assert.deepEqual([over.status, over.body.error.field], [422, 'note'], JSON.stringify(over.body));
  const full = await api('POST', '/api/v1/requests/' + id + '/accept', { note: 'あ'.repeat(limits.note) });
  assert.equal(full.status, 200, JSON.stringify(full.body));
  if (await page.locator('#logout').isVisible()) {
    await page.click('#logout');
    await page.locator('#login').waitFor({ state: 'visible' });
  }
  await login('dispatcher', 'patrol-demo');
  await showRequest(id);
  await page.locator(`#detail-state[data-id="${id}"][data-state="accepted"]`).waitFor();
  const max = (sel) => page.locator(sel).getAttribute('maxlength');
  assert.equal(await max('#detail-close input[name="note"]'), String(limits.note));
  assert.equal(await max('#detail-callback input.cb-note'), String(limits.note));
  assert.equal(await max('#detail-handover textarea[name="note"]'), String(limits.note));
  assert.equal(await max('#detail-cancel input[name="reason"]'), String(limits.reason));
  await page.goto(base + '/#/new');
  await page.locator('#intake-caller-name').waitFor();
  assert.equal(await max('#intake-caller-name'), String(limits.caller_name));
  assert.equal(await max('#intake-caller-phone'), String(limits.phone));
  assert.equal(await max('#intake-caller-address'), String(limits.address));
  assert.equal(await max('#intake-address'), String(limits.address));
  assert.equal(await max('#intake-description'), String(limits.description));
});
