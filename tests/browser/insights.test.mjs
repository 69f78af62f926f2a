// Acting before people ask (issue 17) in a real browser against the demo
// (server.py loads it, with its two seasons of generated past cases): the
// past-cases screen finds the no-nest visits by typing 巣なし, the outlook
// shows the server-drawn chart with the peak and the crews it needs and
// the recurring sites, the notice list shows only consenting residents
// with CSV and letters, and a viewer gets no notice list at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Harness, DESKTOP } from './lib.mjs';

const h = new Harness({ context: { ...DESKTOP, viewport: { width: 1366, height: 900 } } });
let page;

const shot = (name) => h.shot(name);
const login = (name, password) => h.login(name, password);

before(async () => {
  await h.start();
  ({ page } = h);
});

after(() => h.close());

test('past cases: 巣なし finds the no-nest visits, with what was done and said', async () => {
  assert.equal(await login('dispatcher', 'patrol-demo'), 200);
  await page.click('#nav a[data-view="cases"]');
  await page.locator('#cases-form').waitFor();
  await page.fill('#cases-q', '巣なし');
  const reply = page.waitForResponse((r) => r.url().includes('/api/v1/cases?') && r.url().includes('q='));
  await page.press('#cases-q', 'Enter');
  const list = await (await reply).json();
  assert.ok(list.length > 0, 'the demo has no-nest visits');
  assert.ok(list.every((c) => c.outcome === 'no_nest' || JSON.stringify(c).includes('巣なし')));
  await page.locator('#cases-table tbody tr').first().waitFor();
  const rows = await page.locator('#cases-table tbody tr').count();
  assert.equal(rows, list.length);
  const first = page.locator('#cases-table tbody tr').first();
  assert.match(await first.textContent(), /巣なし（住民へ説明）/);
  assert.match(await first.textContent(), /説明/); // the explanation given
  assert.match(await first.textContent(), /班/); // who handled it
  assert.match(await first.textContent(), /デモ/); // labelled demo
  // No caller names on this screen.
  assert.equal(await page.getByText(/デモ (山本|中島|石井|小川|岡田|後藤|長谷川|村上|近藤|坂本|遠藤|青木)/).count(), 0);
  await shot('30-past-cases');
});

test('the outlook: chart, peak, crews and recurring sites', async () => {
  await page.click('#nav a[data-view="outlook"]');
  await page.locator('#outlook-peak', { hasText: 'ピーク' }).waitFor();
  assert.match(await page.locator('#outlook-peak').textContent(), /班が必要/);
  assert.match(await page.locator('#outlook-explanation').textContent(), /過去.*同じ週の平均/);
  await page.waitForFunction(() => {
    const img = document.getElementById('outlook-chart');
    return img && img.complete && img.naturalWidth > 0;
  });
  assert.equal(await page.locator('#outlook-chart').evaluate((i) => i.naturalWidth), 960);
  await page.locator('#recurring-table tbody tr').first().waitFor();
  assert.ok(await page.locator('#recurring-table tbody tr').count() >= 10);
  assert.ok(await page.locator('path.recurring-site').count() >= 10, 'sites drawn on the map');
  await shot('31-outlook');
});

test('the weekly coverage: its week by dates, the risky pieces by kind', async () => {
  await page.click('#nav a[data-view="coverage"]');
  // Monday to Sunday in the service's zone, not the API's timestamps.
  const period = page.locator('#coverage-period');
  await period.waitFor({ timeout: 60000 });
  assert.match(await period.textContent(), /^期間 \d{4}\/\d{2}\/\d{2}\(月\) 〜 \d{4}\/\d{2}\/\d{2}\(日\)$/);
  // Each piece where defects recur says what it is in words (河川), not
  // the network's class (river).
  const kind = page.locator('#risk-table tbody tr td:first-child .muted');
  await kind.first().waitFor();
  for (const k of await kind.allTextContents()) assert.match(k, /^(道路|河川|公園)$/);
  await shot('32-coverage-risk');
});

test('the notice list: only consenting residents, CSV and letters', async () => {
  await page.click('#nav a[data-view="notices"]');
  const reply = page.waitForResponse((r) => r.url().includes('/api/v1/notices?'));
  await page.click('#notices-load');
  const body = await (await reply).json();
  assert.ok(body.notices.length > 0);
  assert.ok(body.notices.every((n) => n.consent_at && n.consent_text));
  await page.locator('#notices-table tbody tr').first().waitFor();
  assert.equal(await page.locator('#notices-table tbody tr').count(), body.notices.length);
  // How many seasons the site had calls, in Japanese (it read "2 seasons").
  assert.match(await page.locator('#notices-table tbody tr').first().locator('td').nth(2).textContent(),
    new RegExp('#' + body.notices[0].request_id + ' · ' + body.notices[0].seasons + ' シーズン$'));
  const csv = await page.getAttribute('#notices-csv', 'href');
  const r = await page.evaluate(async (u) => {
    const x = await fetch(u);
    return { type: x.headers.get('Content-Type'), text: await x.text() };
  }, csv);
  assert.match(r.type, /^text\/csv/);
  assert.equal(r.text.trim().split('\r\n').length, body.notices.length + 1);
  // Mark the first as sent: recorded, and shown.
  await page.locator('#notices-table tbody tr button').first().click();
  await page.locator('#notices-table tbody tr').first().locator('.ok').waitFor();
  await shot('33-notices');
});

test('a viewer has no notice list', async () => {
  await page.click('#logout');
  await page.locator('#login').waitFor({ state: 'visible' });
  assert.equal(await login('viewer', 'patrol-demo'), 200);
  assert.equal(await page.locator('#nav a[data-view="notices"]').isHidden(), true);
  const status = await page.evaluate(async () => (await fetch('/api/v1/notices?category=wasp_nest')).status);
  assert.equal(status, 403);
  // The past cases are for everyone.
  await page.click('#nav a[data-view="cases"]');
  await page.locator('#cases-table tbody tr').first().waitFor();
});
