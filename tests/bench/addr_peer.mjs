// The peer: @geolonia/normalize-japanese-addresses (npm, 2.x), run offline
// on the same inputs as addr_bench, reading the same town table: our CSV
// is written back into the api/ja layout it reads (ja.json and
// ja/{pref}/{city}.json) and handed to it as a file:// URL, so nothing is
// fetched. Normalised to town level (level 3).
//
//   ADDR_BENCH_DUMP=variants.tsv addr_bench TOWNS.csv 0
//   node tests/bench/addr_peer.mjs TOWNS.csv variants.tsv WORKDIR
//
// WORKDIR must hold node_modules/@geolonia/normalize-japanese-addresses
// (npm install @geolonia/normalize-japanese-addresses@2.10.1 there).
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [csv, tsv, work] = process.argv.slice(2).map((p) => resolve(p));
const require = createRequire(join(work, 'package.json'));
const { config, normalize } = require('@geolonia/normalize-japanese-addresses');

const api = join(work, 'api');
const prefs = {};
const towns = {};
for (const line of readFileSync(csv, 'utf8').split('\n').slice(1)) {
  if (!line) continue;
  const [pref, city, town, koaza, lat, lng] = line.split(',');
  (prefs[pref] ||= []).includes(city) || prefs[pref].push(city);
  (towns[pref + '/' + city] ||= []).push({ town, koaza, lat: lat === '' ? null : Number(lat), lng: lng === '' ? null : Number(lng) });
}
mkdirSync(api, { recursive: true });
writeFileSync(join(api, 'ja.json'), JSON.stringify(prefs));
for (const [k, list] of Object.entries(towns)) {
  const [pref, city] = k.split('/');
  mkdirSync(join(api, 'ja', pref), { recursive: true });
  writeFileSync(join(api, 'ja', pref, city + '.json'), JSON.stringify(list));
}
config.japaneseAddressesApi = pathToFileURL(join(api, 'ja')).toString();

const names = ['official', 'half-width 4-12-3', 'full-width', '番地・号', 'building',
  'no city', 'no city, no ward', 'one wrong kanji'];
const stat = names.map(() => ({ n: 0, ward: 0, town: 0, ours: 0, differ: 0, examples: [] }));
const us = [];
for (const line of readFileSync(tsv, 'utf8').split('\n')) {
  if (!line) continue;
  const [v, q, pref, city, town, ourCity, ourTown] = line.split('\t');
  const t0 = process.hrtime.bigint();
  let r;
  try { r = await normalize(q, { level: 3 }); } catch (e) { r = { city: '', town: '', error: e.message }; }
  us.push(Number(process.hrtime.bigint() - t0) / 1000);
  const s = stat[Number(v)];
  // The peer writes 大字 towns without 大字 and ヶ as given; compare so.
  const norm = (x) => (x || '').replace(/^大字/, '');
  const theirs = r.city === city ? norm(r.town) : null;
  s.n++;
  if (r.city === city) s.ward++;
  if (theirs !== null && theirs === norm(town)) s.town++;
  if (ourCity === city && ourTown === town) s.ours++;
  if ((r.city || '') + norm(r.town) !== ourCity + norm(ourTown)) {
    s.differ++;
    if (s.examples.length < 4) s.examples.push(`${q} → peer ${r.city || '-'}${r.town || ''} / ours ${ourCity || '-'}${ourTown}`);
  }
}
us.sort((a, b) => a - b);
console.log('| variant | queries | peer right ward | peer right town | ours right town | answers differ |');
console.log('|---|---:|---:|---:|---:|---:|');
stat.forEach((s, i) => console.log(`| ${names[i]} | ${s.n} | ${(100 * s.ward / s.n).toFixed(2)}% | ${(100 * s.town / s.n).toFixed(2)}% | ${(100 * s.ours / s.n).toFixed(2)}% | ${s.differ} |`));
console.log(`\npeer time per query (wall, Node ${process.version}): p50 ${us[Math.floor(us.length / 2)].toFixed(0)} µs, p99 ${us[Math.floor(us.length * 0.99)].toFixed(0)} µs`);
console.log('\nexamples where the answers differ:');
stat.forEach((s, i) => s.examples.forEach((e) => console.log(`- [${names[i]}] ${e}`)));
