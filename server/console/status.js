// The footer's server status: whether patrold can reach its database,
// refreshed every 15 s (independent of the log-in).
import { t } from './js/i18n.js';

const el = document.getElementById('db-status');
let last = null;

function show() {
  if (last === null) return;
  el.textContent = t(last);
  el.className = last === 'db.ok' ? 'ok' : 'bad';
}

async function refresh() {
  try {
    const r = await fetch('/healthz', { cache: 'no-store' });
    const body = await r.json();
    last = r.ok && body.database === 'ok' ? 'db.ok' : 'db.bad';
  } catch (e) {
    last = 'db.down';
  }
  show();
}

export function startStatus() {
  refresh();
  setInterval(refresh, 15000);
}

export { show as showStatus };
