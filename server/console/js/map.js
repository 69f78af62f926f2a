// The live map: wards, open requests (colour by state, border and glyph
// by category), crews (status, age of the last fix) and, while a call is
// taken, the point being picked. Leaflet comes from npm through patrold
// (/vendor/leaflet); tiles only when the server names a tile URL, so the
// map works offline with the wards and markers alone.
import { t, has, pick } from './i18n.js';
import { S, on, emit, category, shortWard, crew as crewById } from './state.js';
import { states, setOf } from './lifecycle.js';
import { h, ago, fill, clock } from './util.js';
import { plans } from './plans.js';

let L = null;
let map = null;
let wardLayer = null, requestLayer = null, crewLayer = null, pickMarker = null, routeLayer = null;
let fitted = false;

// Colour group of each category; its glyph is the glossary's (glyph.CODE,
// as on the handheld), or the first character of its name.
const GROUPS = ['wasp', 'wildlife', 'road', 'river', 'park'];

export function glyph(code) {
  return has('glyph.' + code) ? t('glyph.' + code) : (category(code).name_ja || code || '?').slice(0, 1);
}

export function group(code) {
  const skills = category(code).skills || [];
  return GROUPS.find((g) => skills.includes(g)) || 'other';
}

function safeClass(v, allowed) { return allowed.includes(v) ? v : 'other'; }

function requestIcon(r) {
  const sel = S.selected === r.id ? ' sel' : '';
  const el = h('div', {
    class: 'rq st-' + safeClass(r.state, states()) + ' cat-' + group(r.category) +
      ' pr-' + (r.priority | 0) + (r.escalated_at ? ' esc' : '') + sel +
      (S.callbacksDue && S.callbacksDue.has(r.id) ? ' cb' : ''),
    dataset: { id: String(r.id) },
  }, glyph(r.category));
  return L.divIcon({ className: 'rq-icon', html: el, iconSize: [28, 28], iconAnchor: [14, 14] });
}

function requestTip(r) {
  return h('div', { class: 'tip' },
    h('strong', {}, '#' + r.id + ' ' + pick(category(r.category))),
    h('div', {}, t('state.' + r.state) + ' · ' + t('prio.' + r.priority)),
    r.address ? h('div', {}, r.address) : null);
}

// Where the crew is by its day (a fresh fix, else its last reported job
// site, else an older fix, else its office), with the age in seconds.
function dayPos(c) {
  const p = c.day && c.day.position;
  if (p && typeof p.lat === 'number') return p;
  return typeof c.lat === 'number' ? { lat: c.lat, lon: c.lon, source: 'gps', age_s: fixAge(c) } : null;
}

function fixAge(c) {
  const p = c.day && c.day.position;
  if (p && p.age_s !== undefined && p.age_s !== null) return p.age_s;
  return c.position_at ? (Date.now() - new Date(c.position_at).getTime()) / 1000 : null;
}

function crewIcon(c) {
  const age = fixAge(c);
  const stale = age === null || age > 600 ? ' stale' : '';
  const el = h('div', {
    class: 'crew cs-' + safeClass(c.status, ['available', 'break', 'off_duty']) +
      (c.jobs > 0 ? ' busy' : '') + stale +
      (c.day ? ' day-' + safeClass(c.day.state, ['available', 'assigned', 'en_route', 'on_site', 'break', 'off_shift']) : ''),
    dataset: { crew: c.code },
  }, c.name);
  return L.divIcon({ className: 'crew-icon', html: el, iconSize: null, iconAnchor: [0, 0] });
}

function crewTip(c) {
  const age = fixAge(c);
  return h('div', { class: 'tip' },
    h('strong', {}, c.name), ' (' + c.code + ')',
    h('div', {}, (c.day ? t('day.' + c.day.state, { n: c.day.jobs, id: c.day.state_job }) : t('crew.' + c.status)) +
      ' · ' + t('crews.jobs') + ' ' + c.jobs),
    h('div', {}, t('crews.fix') + ': ' + (age === null ? t('crews.nofix') : ago(age))));
}

// At city zoom the markers are gathered on a pixel grid: one bubble per
// cell with the count, coloured by its most urgent state (the first of
// the open set, which the server lists in the life cycle's order: a call
// nobody has taken yet first); zooming in (or clicking a bubble) splits
// them. The selected request always stands alone.
const CLUSTER_BELOW_ZOOM = 14;
const CLUSTER_PX = 56;

function requestMarker(r) {
  const m = L.marker([r.lat, r.lon], { icon: requestIcon(r), keyboard: false, riseOnHover: true,
    zIndexOffset: S.selected === r.id ? 1000 : 0 });
  m.bindTooltip(() => requestTip(r), { direction: 'top', offset: [0, -12] });
  m.on('click', () => { location.hash = '#/requests/' + r.id; });
  return m;
}

function clusterMarker(list) {
  const lat = list.reduce((a, r) => a + r.lat, 0) / list.length;
  const lon = list.reduce((a, r) => a + r.lon, 0) / list.length;
  const urgency = setOf('open');
  const worst = list.map((r) => urgency.indexOf(r.state)).filter((i) => i >= 0).sort((a, b) => a - b)[0];
  const st = worst === undefined ? 'none' : urgency[worst];
  const flags = (list.some((r) => S.callbacksDue && S.callbacksDue.has(r.id)) ? ' cb' : '') +
    (list.some((r) => r.escalated_at) ? ' esc' : '') + (list.some((r) => r.priority === 1) ? ' pr-1' : '');
  const el = h('div', { class: 'cluster st-' + st + flags, dataset: { n: String(list.length) } }, String(list.length));
  const size = list.length < 10 ? 34 : 42;
  const m = L.marker([lat, lon], { icon: L.divIcon({ className: 'cluster-icon', html: el, iconSize: [size, size], iconAnchor: [size / 2, size / 2] }),
    keyboard: false });
  m.bindTooltip(() => h('div', { class: 'tip' }, t('map.cluster', { n: list.length }),
    list.slice(0, 6).map((r) => h('div', {}, '#' + r.id + ' ' + pick(category(r.category))))), { direction: 'top' });
  m.on('click', () => map.fitBounds(L.latLngBounds(list.map((r) => [r.lat, r.lon])).pad(0.3), { maxZoom: CLUSTER_BELOW_ZOOM + 1 }));
  return m;
}

export function renderRequests() {
  if (!map) return;
  requestLayer.clearLayers();
  // The open detail view holds the freshest copy of its request.
  const list = S.queue.map((q) => (S.selectedRequest && S.selectedRequest.id === q.id ? S.selectedRequest : q));
  if (map.getZoom() < CLUSTER_BELOW_ZOOM) {
    const cells = new Map();
    for (const r of list) {
      if (r.id === S.selected) { requestLayer.addLayer(requestMarker(r)); continue; }
      const p = map.project([r.lat, r.lon], map.getZoom());
      const key = Math.floor(p.x / CLUSTER_PX) + ':' + Math.floor(p.y / CLUSTER_PX);
      if (!cells.has(key)) cells.set(key, []);
      cells.get(key).push(r);
    }
    for (const c of cells.values()) requestLayer.addLayer(c.length === 1 ? requestMarker(c[0]) : clusterMarker(c));
  } else {
    for (const r of list) requestLayer.addLayer(requestMarker(r));
  }
  // A selected request that is no longer open is still shown.
  if (S.selected && S.selectedRequest && !S.queue.some((r) => r.id === S.selected)) {
    const r = S.selectedRequest;
    const m = L.marker([r.lat, r.lon], { icon: requestIcon(r), keyboard: false, zIndexOffset: 1000 });
    m.bindTooltip(() => requestTip(r), { direction: 'top', offset: [0, -12] });
    requestLayer.addLayer(m);
  }
}

export function renderCrews() {
  if (!map) return;
  crewLayer.clearLayers();
  for (const c of S.crews) {
    const p = dayPos(c);
    if (!p || p.source === 'office') continue;
    // Crew labels on top: at peak the question is who is where.
    const m = L.marker([p.lat, p.lon], { icon: crewIcon(c), keyboard: false, zIndexOffset: 2000 });
    m.bindTooltip(() => crewTip(c), { direction: 'top' });
    crewLayer.addLayer(m);
  }
  renderRoutes();
}

// Each crew's planned route: from where it is through its stops in order.
export function renderRoutes() {
  if (!map || !routeLayer) return;
  routeLayer.clearLayers();
  for (const [id, plan] of plans) {
    const c = crewById(id);
    const p = c ? dayPos(c) : null;
    const stops = (plan.stops || []).filter((s) => typeof s.lat === 'number');
    if (!p || stops.length === 0) continue;
    const line = L.polyline([[p.lat, p.lon], ...stops.map((s) => [s.lat, s.lon])],
      { className: 'route', color: '#6a3d9a', weight: 3, opacity: 0.7, dashArray: '6 6', interactive: true });
    line.bindTooltip(() => h('div', { class: 'tip' }, h('strong', {}, plan.name),
      stops.map((s) => h('div', {}, t('plan.stop', { n: s.order, id: s.request_id, cat: pick(s), a: clock(s.arrive_at) })))),
    { sticky: true });
    routeLayer.addLayer(line);
  }
}

function renderWards() {
  wardLayer.clearLayers();
  wardLayer.addData(S.wards);
}

// The whole picture: every open request and crew (else the wards).
export function fitAll() {
  fitted = false;
  fitOnce();
}

function fitOnce() {
  if (fitted || !map) return;
  const pts = S.queue.map((r) => [r.lat, r.lon]).concat(
    S.crews.filter((c) => typeof c.lat === 'number').map((c) => [c.lat, c.lon]));
  if (pts.length > 0) map.fitBounds(L.latLngBounds(pts).pad(0.15), { maxZoom: 15 });
  else if (S.wards.features.length > 0) map.fitBounds(wardLayer.getBounds());
  else {
    const a = S.config.service_area || [139.0, 35.1, 140.0, 36.3];
    map.fitBounds([[a[1], a[0]], [a[3], a[2]]]);
  }
  fitted = true;
}

function legend() {
  const el = document.getElementById('legend');
  fill(el,
    h('div', { class: 'lg-line' }, h('span', { class: 'lg-title' }, t('legend.state')),
      setOf('open').map((s) => h('span', { class: 'lg-row' }, h('span', { class: 'rq mini st-' + s }, ''), t('state.' + s)))),
    h('div', { class: 'lg-line' }, h('span', { class: 'lg-title' }, t('legend.category')),
      GROUPS.map((g) => h('span', { class: 'lg-row' }, h('span', { class: 'rq mini st-none cat-' + g }, ''), t('lg.' + g)))),
    h('div', { class: 'lg-line' }, h('span', { class: 'lg-title' }, t('legend.crew')),
      ['available', 'break', 'off_duty'].map((s) => h('span', { class: 'lg-row' }, h('span', { class: 'crew mini cs-' + s }, ''), t('crew.' + s)))));
}

export async function initMap() {
  try {
    L = await import('/vendor/leaflet/leaflet-src.esm.js');
  } catch (e) {
    const note = document.getElementById('map-note');
    note.textContent = t('map.none');
    note.hidden = false;
    return false;
  }
  map = L.map('map', { zoomControl: true, preferCanvas: false, minZoom: 8, maxZoom: 19 });
  map.attributionControl.setPrefix(false);
  const c = S.config;
  if (c.tile_url) {
    const a = document.createElement('a');
    a.href = c.tile_attribution_url || '#';
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = c.tile_attribution || '';
    const tiles = L.tileLayer(c.tile_url, { maxZoom: 18, attribution: a.outerHTML }).addTo(map);
    // Tiles that cannot be loaded: say so, and drop the credit for
    // tiles that are not shown.
    let loaded = 0, failed = 0;
    tiles.on('tileload', () => {
      loaded++;
      if (failed) { failed = 0; document.getElementById('map-note').hidden = true; map.attributionControl.addAttribution(a.outerHTML); }
    });
    tiles.on('tileerror', () => {
      failed++;
      if (loaded > 0 || failed < 2) return;
      const note = document.getElementById('map-note');
      note.textContent = t('map.tiles.failed');
      note.hidden = false;
      map.attributionControl.removeAttribution(a.outerHTML);
      document.getElementById('map').classList.add('no-tiles');
    });
  } else {
    document.getElementById('map').classList.add('no-tiles');
  }
  wardLayer = L.geoJSON(null, {
    style: { color: '#1d4f91', weight: 2, opacity: 0.8, fillColor: '#1d4f91', fillOpacity: 0.04 },
    interactive: false,
    onEachFeature: (f, layer) => {
      if (f.properties && f.properties.name) {
        layer.bindTooltip(h('span', {}, shortWard(f.properties.name)), { permanent: true, direction: 'center', className: 'ward-label' });
      }
    },
  }).addTo(map);
  routeLayer = L.layerGroup().addTo(map);
  crewLayer = L.layerGroup().addTo(map);
  requestLayer = L.layerGroup().addTo(map);
  renderWards();
  renderCrews();
  renderRequests();
  fitOnce();
  legend();
  map.on('click', (e) => emit('map-click', { lat: e.latlng.lat, lon: e.latlng.lng }));
  map.on('zoomend', renderRequests);
  on('queue', renderRequests);
  on('callbacks-due', renderRequests);
  on('crews', renderCrews);
  on('plans', renderRoutes);
  on('lang', () => { legend(); });
  // Ages of fixes move on even when nothing else does.
  setInterval(renderCrews, 30000);
  return true;
}

export function resizeMap() { if (map) map.invalidateSize(); }

export function focusOn(lat, lon, zoom = 16) {
  if (map) map.setView([lat, lon], Math.max(map.getZoom(), zoom));
}

// The point being placed by the intake: a pin, the circle of how exact it
// is (accuracy_m, or none), draggable when onDrag is given (called with
// the new lat, lon when the dispatcher lets go).
let pickCircle = null;
export function setPick(lat, lon, accuracy, onDrag) {
  if (!map) return;
  if (pickCircle) pickCircle.remove();
  pickCircle = null;
  if (lat === null) {
    if (pickMarker) pickMarker.remove();
    pickMarker = null;
    return;
  }
  if (pickMarker) pickMarker.remove();
  const icon = L.divIcon({ className: 'pick-icon', html: h('div', { class: 'pick' }, '+'), iconSize: [30, 30], iconAnchor: [15, 15] });
  pickMarker = L.marker([lat, lon], { icon, keyboard: false, interactive: !!onDrag, draggable: !!onDrag,
    zIndexOffset: 2000, title: onDrag ? t('map.pick.drag') : '' }).addTo(map);
  if (accuracy) {
    pickCircle = L.circle([lat, lon], { radius: accuracy, className: 'pick-accuracy', interactive: false,
      weight: 2, fillOpacity: 0.12 }).addTo(map);
  }
  if (onDrag) {
    pickMarker.on('drag', () => { if (pickCircle) pickCircle.setLatLng(pickMarker.getLatLng()); });
    pickMarker.on('dragend', () => { const p = pickMarker.getLatLng(); onDrag(p.lat, p.lng); });
  }
}

// Shows the whole accuracy circle (or the point, close) of the pick.
export function focusPick() {
  if (!map || !pickMarker) return;
  if (pickCircle) map.fitBounds(pickCircle.getBounds().pad(0.2), { maxZoom: 17 });
  else map.setView(pickMarker.getLatLng(), Math.max(map.getZoom(), 16));
}

// The accuracy circle's radius in metres, or null (for tests).
export function pickAccuracy() { return pickCircle ? pickCircle.getRadius() : null; }

// For tests and the crews board: where a crew is on screen.
export function crewPosition(id) {
  const c = crewById(id);
  return c && typeof c.lat === 'number' ? [c.lat, c.lon] : null;
}

export function hasMap() { return !!map; }

// A GeoJSON overlay (the coverage view's network), styled by class name:
// className(feature) -> CSS class of its line. null removes it.
let overlay = null;
export function setOverlay(geojson, className) {
  if (!map) return;
  if (overlay) overlay.remove();
  overlay = null;
  if (!geojson) return;
  overlay = L.geoJSON(geojson, {
    style: (f) => ({ className: className(f), weight: 4, opacity: 0.9 }),
    interactive: false,
  }).addTo(map);
  const b = overlay.getBounds();
  if (b.isValid()) map.fitBounds(b.pad(0.05));
}

// Where (lat, lon) is inside the map element, in pixels: for pointing at
// a place (the browser tests click the map through this).
export function pointFor(lat, lon) {
  if (!map) return null;
  const p = map.latLngToContainerPoint([lat, lon]);
  return { x: p.x, y: p.y };
}

export function setView(lat, lon, zoom) { if (map) map.setView([lat, lon], zoom, { animate: false }); }
