// The live feed: /api/v1/events as Server-Sent Events. EventSource
// reconnects by itself and sends Last-Event-ID, so nothing is missed. When
// the stream is down the header says so and a banner warns that the
// picture may be stale; after a refused reconnect (session ended, server
// restarted) the feed is reopened by hand from the last id seen.
import { t } from './i18n.js';
import { emit } from './state.js';

let source = null;
let lastId = null;
let up = false;
let retryTimer = null;
let stopped = true;

function show() {
  const live = document.getElementById('live');
  live.textContent = up ? t('live.on') : t('live.off');
  live.className = up ? 'live-on' : 'live-off';
  const banner = document.getElementById('banner');
  banner.hidden = up || stopped;
  banner.textContent = t('live.banner');
}

function setUp(v) {
  if (up === v) return;
  up = v;
  show();
  emit('live', up);
}

function open() {
  clearTimeout(retryTimer);
  if (source) source.close();
  const url = '/api/v1/events' + (lastId !== null ? '?after=' + encodeURIComponent(lastId) : '');
  source = new EventSource(url);
  source.onopen = () => {
    setUp(true);
    // Anything may have changed while we were away.
    if (lastId !== null) emit('resync');
  };
  source.onmessage = (m) => {
    if (m.lastEventId) lastId = m.lastEventId;
    let ev;
    try { ev = JSON.parse(m.data); } catch { return; }
    emit('event', ev);
  };
  // The crews' plans changed (issue 15): not part of the resumable
  // sequence, so no id; screens refetch what they show.
  source.addEventListener('plan', (m) => {
    let ev;
    try { ev = JSON.parse(m.data); } catch { return; }
    emit('plan', ev);
  });
  source.onerror = () => {
    setUp(false);
    if (source.readyState === EventSource.CLOSED && !stopped) {
      // The browser gave up (e.g. a 401 or 503): try again ourselves.
      emit('live-refused');
      retryTimer = setTimeout(open, 3000);
    }
  };
}

export function startLive() {
  stopped = false;
  show();
  open();
}

export function stopLive() {
  stopped = true;
  clearTimeout(retryTimer);
  if (source) source.close();
  source = null;
  lastId = null;
  up = false;
  show();
}

export function refreshLiveText() { show(); }
export function isLive() { return up; }
