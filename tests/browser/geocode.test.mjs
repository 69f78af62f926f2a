// Taking a call by address in a real browser (Debian's chromium driven by
// playwright-core) against the real patrold and PostgreSQL with the demo
// data (its town tables included): the call-taker types what the caller
// says into the one search box, candidates appear as they type, one is
// chosen with the keyboard, the pin and its accuracy circle appear, the
// pin can be dragged, and the request keeps the typed text, the point and
// how exact it is; the queue and the detail show the town.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from './lib.mjs';

const h = new Harness();
let base, page;

before(async () => {
  await h.start();
  ({ base, page } = h);
  await h.loginOk('dispatcher');
});

after(() => h.close());

async function startCall() {
  await page.keyboard.press('n');
  await page.locator('#intake-category:focus').waitFor();
  await page.selectOption('#intake-category', 'wasp_nest');
  await page.selectOption('#q-nest_height', 'eaves');
  await page.selectOption('#q-location', 'outdoor');
}

// The description typed, and the call taken with Enter in it: what the
// console sent and the server's answer (which must be 201 Created).
async function takeByEnter(description) {
  await page.fill('#intake-description', description);
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/requests') && r.request().method() === 'POST');
  await page.focus('#intake-description');
  await page.keyboard.press('Enter');
  const r = await created;
  assert.equal(r.status(), 201);
  return { sent: JSON.parse(r.request().postData()), body: await r.json() };
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
  await h.shot('geo-01-candidates');
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
  await h.shot('geo-02-chosen');
  const { sent, body } = await takeByEnter('軒下にスズメバチの巣');
  assert.equal(sent.location_text, '中野島４－３－１');
  assert.equal(sent.location_level, 'town');
  assert.equal(body.town, '川崎市多摩区中野島四丁目');
  await page.waitForURL('**/#/requests/' + body.id);
  await page.locator('#detail-town', { hasText: '中野島四丁目' }).waitFor();
  await page.locator('#detail-town', { hasText: '中野島４－３－１' }).waitFor();
  await h.shot('geo-03-detail');
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
  const { sent, body } = await takeByEnter('宿河原の公園');
  assert.equal(sent.location_level, 'pin');
  assert.equal(sent.location_text, '多摩区宿河源三丁目');
  // The queue shows the town of every request.
  await page.goto(base + '/#/queue');
  await page.locator(`tr[data-id="${body.id}"] .town`).waitFor();
  await h.shot('geo-04-queue');
});
