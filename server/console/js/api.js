// The JSON API from the page: cookies go with every request (same
// origin); changes carry the session's CSRF token. A 401 means the session
// ended: the app shows the log-in form.
import { t, has, getLang } from './i18n.js';

let csrf = '';
let onLoggedOut = () => {};

// A refusal: message is what a person reads (in Japanese the words for its
// code, naming the field; in English, or for a code without words, the
// server's own message), detail the server's message as sent.
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    const detail = e.message || 'HTTP ' + status;
    const said = getLang() !== 'en' && e.code && has('err.' + e.code);
    super(said ? t('err.' + e.code, { field: fieldName(e.field) }) : detail);
    this.status = status;
    this.code = e.code || '';
    this.field = e.field || '';
    this.detail = detail;
    this.named = !!said && !!e.field; // the message names the field already
    this.body = body;
  }
}

function fieldName(f) {
  return f ? (has('field.' + f) ? t('field.' + f) : f) : '';
}

export function setCsrf(token) { csrf = token || ''; }
export function setLoggedOutHandler(f) { onLoggedOut = f; }

export async function api(method, path, body, extra) {
  const headers = { Accept: 'application/json', ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  const r = await fetch(path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  if ((r.headers.get('Content-Type') || '').includes('json')) data = await r.json();
  if (!r.ok) {
    if (r.status === 401 && path !== '/api/v1/session') onLoggedOut();
    throw new ApiError(r.status, data);
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);
// A POST that creates: sent again after a lost reply with the same key, the
// server answers the first result instead of creating twice.
export const postOnce = (path, body, key) => api('POST', path, body, { 'Idempotency-Key': key });
export function newIdempotencyKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
