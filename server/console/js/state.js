// What every view shares: who is logged in, the server's settings, the
// reference data (categories, wards, crews) and the open queue, with
// change notifications. The live feed (live.js) and the views call the
// refresh functions; views subscribe with on().
import { get } from './api.js';
import { debounce } from './util.js';
import { pick, addTerms } from './i18n.js';

export const S = {
  me: null,
  config: {},
  lifecycle: {}, // GET /api/v1/lifecycle (lifecycle.js)
  categories: new Map(),
  wards: { type: 'FeatureCollection', features: [] },
  crews: [],
  offices: [],
  queue: [],
  view: '',
  selected: null, // request id highlighted on the map
};

const listeners = new Map();

export function on(name, f) {
  if (!listeners.has(name)) listeners.set(name, new Set());
  listeners.get(name).add(f);
  return () => listeners.get(name).delete(f);
}

export function emit(name, ...args) {
  for (const f of listeners.get(name) || []) {
    try { f(...args); } catch (e) { console.error(e); }
  }
}

export function isStaff() {
  return !!S.me && ['dispatcher', 'supervisor', 'admin'].includes(S.me.role);
}

export function isAdmin() { return !!S.me && S.me.role === 'admin'; }

export function category(code) { return S.categories.get(code) || { code, name_ja: code, name_en: code }; }

// "神奈川県川崎市多摩区" -> "多摩区": the city is the same for everyone.
export function shortWard(name) {
  if (!name) return '';
  return name.replace(/^.{2,3}?[都道府県]/, '').replace(/^.+?市(?=.+区$)/, '');
}

export function wardName(code) {
  const f = S.wards.features.find((w) => w.properties && w.properties.code === code);
  return f ? shortWard(f.properties.name) : code || '';
}

export function officeName(code) {
  const o = S.offices.find((x) => x.code === code);
  return o ? pick(o) : code || '';
}

export function crew(id) { return S.crews.find((c) => c.id === id); }

// The longest text the server takes in a field of this kind (note,
// reason, description, address, caller_name, phone: GET /api/v1/config),
// for a form's maxlength.
export function limit(kind) { return S.config.limits[kind]; }

// Everything the views need before the first draw; the glossary's words
// as much as the life cycle (i18n.js has no copy of them).
export async function loadReference() {
  const [config, cats, wards, offices, lifecycle, terms] = await Promise.all([
    get('/api/v1/config'), get('/api/v1/categories'), get('/api/v1/wards'), get('/api/v1/offices'),
    get('/api/v1/lifecycle'), get('/api/v1/glossary')]);
  addTerms(terms);
  S.config = config;
  S.lifecycle = lifecycle;
  S.offices = offices;
  S.categories = new Map(cats.map((c) => [c.code, c]));
  S.wards = wards;
  await Promise.all([refreshQueue(), refreshCrews()]);
}

// A reload of S[key] from path, then emit(key). Replies may come back out
// of order: only the latest request counts.
function reloader(path, key) {
  let seq = 0;
  return async () => {
    const my = ++seq;
    const v = await get(path);
    if (my !== seq) return;
    S[key] = v;
    emit(key);
  };
}

// The open requests, sorted as the API sorts the queue.
export const refreshQueue = reloader('/api/v1/requests?state=open&limit=1000', 'queue');
export const refreshCrews = reloader('/api/v1/crews', 'crews');

// Coalesce bursts of events into one reload each.
export const soonQueue = debounce(() => refreshQueue().catch(() => {}), 150);
export const soonCrews = debounce(() => refreshCrews().catch(() => {}), 300);
