// Shows whether patrold can reach its database, refreshed every 5 s.
const el = document.getElementById('db-status');

async function refresh() {
  try {
    const r = await fetch('/healthz', { cache: 'no-store' });
    const body = await r.json();
    const ok = r.ok && body.database === 'ok';
    el.textContent = ok ? '正常 / OK' : '接続できません / unavailable';
    el.className = ok ? 'ok' : 'bad';
  } catch (e) {
    el.textContent = 'サーバーに接続できません / server unreachable';
    el.className = 'bad';
  }
}
refresh();
setInterval(refresh, 5000);
