// Small helpers shared by the views. Every piece of text from the server
// goes into the page through textContent (h() below), never as HTML.
import { t, getLang } from './i18n.js';

// h('button', {class: 'x', onclick: f}, 'text', child...) builds an element.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled' || k === 'hidden') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

let zone = 'Asia/Tokyo';
export function setZone(z) { if (z) zone = z; }

function fmt(opts) {
  return new Intl.DateTimeFormat(getLang() === 'en' ? 'en-GB' : 'ja-JP', { timeZone: zone, ...opts });
}

// "11/21 14:05" (this year) or "2025/11/21 14:05".
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return fmt({ year: sameYear ? undefined : 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit' }).format(d);
}

// "2026/11/23(月)": a date with its weekday, in the service's zone. With
// last set, the day before iso: the last day of a period whose end is
// exclusive (a week ends at the next Monday 00:00).
export function date(iso, last = false) {
  if (!iso) return '';
  const ms = Date.parse(iso) - (last ? 1 : 0);
  return fmt({ year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short' }).format(new Date(ms));
}

// "11/21": the day alone, where a column is narrow.
export function day(iso) {
  return iso ? fmt({ month: 'numeric', day: 'numeric' }).format(new Date(iso)) : '';
}

export function clock(iso) {
  return iso ? fmt({ hour: '2-digit', minute: '2-digit' }).format(new Date(iso)) : '';
}

// "3 分前" from seconds.
export function ago(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t('ago.s', { n: s });
  if (s < 3600) return t('ago.m', { n: Math.floor(s / 60) });
  if (s < 86400) return t('ago.h', { n: Math.floor(s / 3600) });
  return t('ago.d', { n: Math.floor(s / 86400) });
}

// "1:20" for a span in minutes.
export function span(minutes) {
  const m = Math.abs(Math.round(minutes));
  return Math.floor(m / 60) + ':' + String(m % 60).padStart(2, '0');
}

// Metres between two WGS84 points (haversine; fine for a ward).
export function metres(lat1, lon1, lat2, lon2) {
  const r = 6371008.8, rad = Math.PI / 180;
  const dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
  const a = Math.sin(dlat / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dlon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(a));
}

function inRing(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

// The ward feature holding (lon, lat), for showing it before the call is saved.
export function wardAt(geojson, lon, lat) {
  for (const f of (geojson && geojson.features) || []) {
    const g = f.geometry;
    if (!g) continue;
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
    for (const p of polys) {
      if (inRing(p[0], lon, lat) && !p.slice(1).some((hole) => inRing(hole, lon, lat))) return f;
    }
  }
  return null;
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// Replaces the contents of el.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// Minutes the configured zone is ahead of UTC at the instant ms.
function zoneOffset(ms) {
  const p = {};
  for (const x of new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric',
    month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(ms))) p[x.type] = x.value;
  return (Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute) - Math.floor(ms / 60000) * 60000) / 60000;
}

// Today's date in the configured zone, plus days: "2026-07-01".
export function zoneDate(days = 0) {
  const p = {};
  for (const x of new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit',
    day: '2-digit' }).formatToParts(new Date(Date.now() + days * 86400000))) p[x.type] = x.value;
  return p.year + '-' + p.month + '-' + p.day;
}

// A date ("2026-07-01") and a clock time ("15:00") read in the configured
// zone, as ISO 8601 with that zone's offset: "2026-07-01T15:00:00+09:00".
export function zoneISO(date, time) {
  const [y, mo, d] = date.split('-').map(Number);
  const [hh, mi] = time.split(':').map(Number);
  const local = Date.UTC(y, mo - 1, d, hh, mi);
  let off = zoneOffset(local);
  off = zoneOffset(local - off * 60000);
  const sign = off < 0 ? '-' : '+', a = Math.abs(off);
  return date + 'T' + String(hh).padStart(2, '0') + ':' + String(mi).padStart(2, '0') + ':00' + sign +
    String(Math.floor(a / 60)).padStart(2, '0') + ':' + String(a % 60).padStart(2, '0');
}

// An instant as the configured zone's date and clock time:
// { date: "2026-07-01", time: "15:00" }.
export function zoneParts(iso) {
  const p = {};
  for (const x of new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric',
    month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(iso))) p[x.type] = x.value;
  return { date: p.year + '-' + p.month + '-' + p.day, time: String(+p.hour % 24).padStart(2, '0') + ':' + p.minute };
}
