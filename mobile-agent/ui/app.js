// The crew's screen, served by patrol-agent serve from the device itself.
// Everything shown comes from the agent's own database (/api/...), so it
// works with no network; every action is recorded in the outbox at once
// and shows 「送信待ち」 until a sync brings the server's acknowledgement.
// Server text goes in through textContent only.

const view = document.getElementById('view');
let state = null; // /api/state
let timer = null;
let cleanup = null;
let lastSig = null; // what the current view was drawn from
const KEEP = Symbol('keep');

// KEEP when the data is what the view shows already.
function same(data) {
  const sig = (location.hash || '#/jobs') + JSON.stringify(data);
  if (sig === lastSig) return true;
  lastSig = sig;
  return false;
}

// ---- helpers -----------------------------------------------------------

function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

async function api(method, path, body, raw) {
  const opt = { method, credentials: 'same-origin', headers: {} };
  if (raw) {
    opt.body = raw;
    opt.headers['Content-Type'] = raw.type || 'application/octet-stream';
  } else if (body !== undefined) {
    opt.body = JSON.stringify(body);
    opt.headers['Content-Type'] = 'application/json';
  }
  const r = await fetch('/api' + path, opt);
  const j = await r.json().catch(() => ({}));
  if (!r.ok) {
    const e = new Error((j.error && j.error.message) || ('HTTP ' + r.status));
    e.detail = j.error && j.error.detail;
    throw e;
  }
  return j;
}

function zone() {
  return (state && state.time_zone) || 'Asia/Tokyo';
}

// Local time in the service's zone (sent by the server in sync settings).
function fmtTime(ms, withDate) {
  if (!ms) return '—';
  const o = { timeZone: zone(), hour: '2-digit', minute: '2-digit', hour12: false };
  if (withDate) { o.month = 'numeric'; o.day = 'numeric'; }
  return new Intl.DateTimeFormat('ja-JP', o).format(new Date(ms));
}

function fmtDue(iso) {
  if (!iso) return null;
  const t = Date.parse(iso);
  return isNaN(t) ? iso : fmtTime(t, true);
}

function fmtDistance(m) {
  if (m === null || m === undefined) return '距離不明';
  return m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`;
}

function toast(text, bad) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.className = 'toast' + (bad ? ' bad' : '');
  t.hidden = false;
  clearTimeout(toast.t);
  toast.t = setTimeout(() => { t.hidden = true; }, 4000);
}

const STATE_JA = {
  new: '新規', triaged: '受付済', assigned: '指示あり', accepted: '受諾',
  en_route: '移動中', on_site: '現着', done: '完了', unable: '対応不可',
  rejected: '差し戻し', cancelled: '取消', merged: '統合',
};
// The life cycle is the server's (lifecycle.c, sent with every sync):
// which steps a job's state allows. Before the first sync: none.
const lifecycle = () => (state && state.lifecycle) || { sets: {}, actions: {} };
const allows = (action, st) => {
  const a = lifecycle().actions[action];
  return !!a && a.from.includes(st) && a.roles.includes('crew');
};
const isOpen = (st) => (lifecycle().sets.active || []).includes(st);
const WHAT_JA = {
  accept: '受諾', en_route: '出発', on_site: '現着', reject: '差し戻し',
  unable: '対応不可', 'patrol:start': '巡回開始', 'patrol:stop': '巡回終了',
};
// The next step: one big button, the first of these the state allows.
const STEPS = [
  { action: 'accept', label: '受諾' }, { action: 'en_route', label: '出発' },
  { action: 'on_site', label: '現着' }, { action: 'done', label: '完了' },
];
const nextStep = (st) => STEPS.find((x) => allows(x.action, st));
// One character in a box: no emoji font on every handheld.
const ICON = { wasp_nest: '蜂', bee_swarm: '蜂', wildlife_capture: '獣',
  road_pothole: '道', road_damage: '道', illegal_dumping: '棄', fallen_tree: '木',
  river_defect: '川', park_equipment: '園' };
const NOTE_PHRASES = ['住民へ説明済み', '巣は見当たらず', '不在のため連絡票を投函',
  '再訪問が必要', '周辺を安全確保', '写真を撮影'];
const REASONS = ['高所のため機材が必要', '対象外（ミツバチ・私有地）', '現場に立ち入れない',
  '担当外の地区', '人手が足りない'];

function whatJa(what, outcomes, cats) {
  if (!what) return '記録';
  if (WHAT_JA[what]) return WHAT_JA[what];
  const [kind, code] = what.split(':');
  if (kind === 'done') {
    const o = (outcomes || []).find((x) => x.code === code);
    return '完了：' + (o ? o.name_ja || o.code : code);
  }
  if (kind === 'finding') {
    const c = (cats || []).find((x) => x.code === code);
    return '発見：' + (c ? c.name_ja || c.code : code);
  }
  return what;
}

function badge(item) {
  if (item.pending) return h('span', { class: 'badge pending', text: '送信待ち' });
  if (item.status === 'conflict' || item.status === 'rejected')
    return h('span', { class: 'badge refused', text: 'サーバーが受け付けず: ' + (item.message || item.status) });
  return h('span', { class: 'badge sent', text: '送信済み ' + fmtTime(item.acked_ms) });
}

function history(items, outcomes, cats) {
  return h('ol', { class: 'history', id: 'history' }, items.map((x) =>
    h('li', { 'data-what': x.what, 'data-pending': x.pending ? '1' : '0' },
      `${fmtTime(x.created_ms)} ${whatJa(x.what, outcomes, cats)} `, badge(x))));
}

// Answers in words: the category's questions name the codes.
function answersInWords(answers, questions) {
  const out = [];
  for (const [code, value] of Object.entries(answers || {})) {
    const q = (questions || []).find((x) => x.code === code);
    let v = Array.isArray(value) ? value : [value];
    if (q && Array.isArray(q.values))
      v = v.map((k) => { const o = q.values.find((x) => x.key === k); return o ? o.name_ja : k; });
    out.push([q ? q.name_ja || code : code, v.join('、')]);
  }
  return out;
}

// The view's content (null and nested lists allowed, as in h()).
function show(...kids) {
  view.replaceChildren(...kids.flat(Infinity).filter((k) => k !== null && k !== undefined && k !== false));
}

// ---- maps --------------------------------------------------------------

// Leaflet on a plain background: no tiles are reachable offline, so the
// map says so and draws the points, track and pieces alone.
function makeMap(el, opts) {
  if (!window.L) {
    el.append(h('p', { class: 'nomap', text: '地図なし（地図部品なし）' }));
    return null;
  }
  const m = L.map(el, { zoomControl: false, attributionControl: false, tap: true });
  if (state && state.tiles) {
    // Tiles kept on the device (patrol-agent tiles fetch); where there
    // are none the background stays plain.
    L.tileLayer('/tiles/{z}/{x}/{y}.png', { minZoom: 0, maxZoom: 19 }).addTo(m);
    el.append(h('span', { class: 'nomap tiles', text: '端末の地図' + (state.tiles_credit ? ` ${state.tiles_credit}` : '') }));
  } else {
    el.append(h('span', { class: 'nomap', text: '地図なし（オフライン）' }));
  }
  m.setView(opts && opts.center ? opts.center : [35.61, 139.56], 15);
  return m;
}

function fit(m, layers, here) {
  if (!m) return;
  const pts = [];
  for (const l of layers) {
    if (l.getLatLng) pts.push(l.getLatLng());
    else if (l.getLatLngs) pts.push(...l.getLatLngs().flat(2));
  }
  if (here) pts.push(L.latLng(here.lat, here.lon));
  if (pts.length === 1) m.setView(pts[0], 16);
  else if (pts.length > 1) m.fitBounds(L.latLngBounds(pts), { padding: [20, 20], maxZoom: 17 });
}

function hereMarker(m) {
  if (!m || !state || !state.position) return null;
  return L.circleMarker([state.position.lat, state.position.lon],
    { radius: 9, color: '#003b8e', fillColor: '#003b8e', fillOpacity: 1 }).addTo(m).bindTooltip('現在地');
}

// ---- the always visible sync state ---------------------------------------

function errorInWords(e) {
  if (!e) return null;
  if (/revoked|401/.test(e)) return 'この端末は失効しました（管理者に再登録を依頼）';
  if (/not enrolled/.test(e)) return '端末が未登録です';
  if (/connect|resolve|Timeout|timed out|refused|reset|Recv failure|Send failure|returned nothing|receiving data|sending data/i.test(e))
    return 'サーバーに接続できません（電波が弱い、またはサーバー停止）';
  if (/HTTP 5\d\d/.test(e)) return 'サーバー側の障害です（自動で再送します）';
  if (/HTTP 4\d\d/.test(e)) return 'サーバーが受け付けませんでした';
  return '同期に失敗しました';
}

function drawSync() {
  const p = document.getElementById('sync-pending');
  p.textContent = `未送信 ${state.pending}件`;
  p.className = 'pill' + (state.pending === 0 ? ' zero' : '');
  document.getElementById('sync-last').textContent = state.syncing
    ? '同期中…' : '最終同期 ' + (state.last_sync_ms ? fmtTime(state.last_sync_ms) : '—');
  const off = !state.revoked && (state.failures > 0 || !!state.last_error) ;
  document.getElementById('offline-banner').hidden = !off;
  document.getElementById('revoked-banner').hidden = !state.revoked &&
    !/revoked/.test(state.last_error || '');
}

async function refreshState() {
  try {
    state = await api('GET', '/state');
    drawSync();
  } catch (e) {
    // The agent itself is gone: nothing to record into.
    document.getElementById('sync-last').textContent = '端末アプリが応答しません';
  }
}

document.getElementById('sync-now').addEventListener('click', async () => {
  await api('POST', '/sync', {});
  toast('送信します');
  refreshState();
});

// ---- today's jobs ------------------------------------------------------

async function jobsView() {
  const { jobs } = await api('GET', '/jobs');
  if (same([jobs, state && state.position])) return KEEP;
  const open = jobs.filter((j) => isOpen(j.state));
  const planned = open.some((j) => j.plan_pos !== null);
  const mapEl = h('div', { class: 'map', id: 'jobs-map' });
  show(
    h('h1', { text: `今日の案件（${open.length}件）` }),
    h('p', { class: 'order', id: 'jobs-order', 'data-plan': planned ? '1' : '0',
      text: planned ? '作業計画の順 (day plan order)'
        : '作業計画なし：優先度・約束時刻の順 (no day plan: priority, then promised time)' }),
    mapEl,
    h('ul', { class: 'list', id: 'jobs' }, jobs.map((j, i) => h('li', {
      class: 'job' + (isOpen(j.state) ? '' : ' closed'), 'data-id': j.id, 'data-state': j.state, 'data-plan': j.plan_pos,
    }, h('a', { href: `#/jobs/${j.id}` },
      h('div', { class: 'top' },
        h('span', {}, h('span', { class: 'icon', 'aria-hidden': 'true', text: ICON[j.category] || '他' }),
          `${i + 1}. ${j.category_name}`),
        h('span', { class: `pri pri-${j.priority}`, text: `優先${j.priority}` })),
      h('div', { text: j.address || '住所なし' }),
      j.expected_from_ms && isOpen(j.state) ? h('div', { class: 'eta',
        text: `到着予定 ${fmtTime(j.expected_from_ms)}〜${fmtTime(j.expected_to_ms || j.expected_from_ms)}` }) : null,
      h('div', {}, `${STATE_JA[j.state] || j.state}`,
        j.due ? ` ・ 約束 ${fmtDue(j.due)}まで` : '', ` ・ ${fmtDistance(j.distance_m)}`,
        j.pending > 0 ? h('span', { class: 'badge pending', text: ` 送信待ち ${j.pending}件` }) : null))))),
    jobs.length === 0 ? h('p', { text: '案件はありません。同期すると届きます。' }) : null);
  const m = makeMap(mapEl);
  if (m) {
    const layers = jobs.filter((j) => j.lat !== null && isOpen(j.state)).map((j, i) =>
      L.circleMarker([j.lat, j.lon], { radius: 10, color: '#000', fillColor: j.priority === 1 ? '#b00000' : '#ffd400', fillOpacity: 1 })
        .addTo(m).bindTooltip(String(i + 1), { permanent: true }));
    const here = hereMarker(m);
    fit(m, layers, here ? state.position : null);
    return () => m.remove();
  }
  return null;
}

// ---- a job ---------------------------------------------------------------

let photoIds = [];

function photoInput(list) {
  const thumbs = h('div', { class: 'thumbs' });
  const input = h('input', { type: 'file', accept: 'image/*', capture: 'environment', id: 'photo' });
  input.addEventListener('change', async () => {
    for (const f of input.files) {
      try {
        const r = await api('POST', '/photos', undefined, f);
        list.push(r.photo);
        thumbs.append(h('img', { src: URL.createObjectURL(f), alt: '写真' }));
      } catch (e) {
        toast('写真を保存できません: ' + e.message, true);
      }
    }
    input.value = '';
  });
  return h('div', {}, h('label', { class: 'file' }, '📷 写真を撮る', input), thumbs);
}

function noteInput() {
  const ta = h('textarea', { id: 'note', rows: 3, placeholder: '所見（定型文を押すと追加）' });
  return h('div', {},
    h('div', { class: 'phrases' }, NOTE_PHRASES.map((p) => h('button', {
      type: 'button', class: 'phrase', onclick: () => { ta.value = ta.value ? ta.value + '、' + p : p; },
    }, p))), ta);
}

function questionInputs(questions, answers) {
  return (questions || []).filter((q) => Array.isArray(q.values) && q.values.length > 0).map((q) =>
    h('label', {}, h('strong', { text: q.name_ja || q.code }),
      h('select', { 'data-q': q.code, id: 'q-' + q.code },
        h('option', { value: '', text: '（未回答）' }),
        q.values.map((v) => h('option', { value: v.key, text: v.name_ja || v.key,
          selected: answers && answers[q.code] === v.key })))));
}

function collectAnswers(root) {
  const out = {};
  for (const s of root.querySelectorAll('select[data-q]')) if (s.value) out[s.dataset.q] = s.value;
  return out;
}

async function act(path, body, okText) {
  try {
    await api('POST', path, body);
    toast(okText + '（送信待ち）');
    await refreshState();
    return true;
  } catch (e) {
    toast(`${e.message}${e.detail ? '：' + e.detail : ''}`, true);
    return false;
  }
}

function finishForm(job, again) {
  photoIds = [];
  const form = h('form', { id: 'done-form' },
    h('h2', { text: '完了の報告' }),
    h('fieldset', { id: 'outcomes' }, h('legend', { text: '結果' }),
      job.outcomes.map((o) => h('label', { class: 'choice' },
        h('input', { type: 'radio', name: 'outcome', value: o.code }), o.name_ja || o.code))),
    h('h2', { text: '質問' }), ...questionInputs(job.questions, job.answers),
    h('h2', { text: '所見' }), noteInput(),
    h('h2', { text: '写真' }), photoInput(photoIds),
    h('button', { type: 'submit', class: 'primary', id: 'done-submit' }, '完了を記録'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const o = form.querySelector('input[name=outcome]:checked');
    if (!o) { toast('結果を選んでください', true); return; }
    if (await act(`/jobs/${job.id}/done`, { outcome: o.value, note: form.querySelector('#note').value,
      photos: photoIds, answers: collectAnswers(form) }, '完了を記録しました')) { photoIds = []; again(); }
  });
  return form;
}

function reasonForm(job, action, label, again) {
  const sel = h('select', { id: 'reason' }, h('option', { value: '', text: '理由を選ぶ' }),
    REASONS.map((r) => h('option', { value: r, text: r })));
  const extra = h('input', { type: 'text', id: 'reason-extra', placeholder: '補足（任意）' });
  const form = h('form', { id: 'reason-form', 'data-action': action }, h('h2', { text: label + 'の理由' }), sel, extra,
    h('button', { type: 'submit', class: 'danger', id: 'reason-submit' }, label + 'を記録'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const reason = [sel.value, extra.value].filter(Boolean).join('：');
    if (!reason) { toast('理由を選んでください', true); return; }
    if (await act(`/jobs/${job.id}/step`, { action, reason }, label + 'を記録しました')) again();
  });
  return form;
}

async function jobView(id) {
  const job = await api('GET', `/jobs/${id}`);
  if (same(job)) return KEEP;
  const again = () => route();
  const next = nextStep(job.state);
  const mapEl = h('div', { class: 'map', id: 'job-map' });
  const pending = job.history.filter((x) => x.pending).length;
  const area = h('div', { id: 'job-action' });
  if (next && next.action !== 'done') {
    area.append(h('button', { class: 'primary', id: 'job-step', 'data-action': next.action,
      onclick: async (ev) => {
        ev.target.disabled = true;
        if (await act(`/jobs/${id}/step`, { action: next.action }, next.label + 'を記録しました')) again();
        else ev.target.disabled = false;
      } }, next.label));
  } else if (next) {
    area.append(finishForm(job, again));
  } else {
    area.append(h('p', { id: 'job-closed', text: `この案件は「${STATE_JA[job.state] || job.state}」です。` }));
  }
  const answers = answersInWords(job.answers, job.questions);
  show(
    h('h1', {}, h('span', { class: 'icon', text: ICON[job.category] || '他' }), job.category_name),
    h('p', {}, h('span', { class: `pri pri-${job.priority}`, text: `優先${job.priority}` }), ' ',
      h('strong', { id: 'job-state', 'data-state': job.state, text: STATE_JA[job.state] || job.state }),
      pending ? h('span', { class: 'badge pending', id: 'job-pending', text: ` 送信待ち ${pending}件` }) : null),
    h('dl', { class: 'kv' },
      h('dt', { text: '場所' }), h('dd', { text: job.address || '住所なし' }),
      h('dt', { text: '約束' }), h('dd', { text: job.due ? fmtDue(job.due) + ' までに安全確保' : '—' }),
      h('dt', { text: '内容' }), h('dd', { text: job.description || '—' })),
    mapEl,
    answers.length ? h('div', {}, h('h2', { text: '通報者の回答' }),
      h('dl', { class: 'kv', id: 'answers' }, answers.map(([q, a]) => [h('dt', { text: q }), h('dd', { text: a })]))) : null,
    job.callers.length ? h('div', { id: 'callers' }, h('h2', { text: '連絡先（完了で端末から消去）' }),
      job.callers.map((c) => h('p', {}, c.name || '（名前なし）', ' ',
        c.phone ? h('a', { class: 'tel button', href: 'tel:' + c.phone, text: '📞 ' + c.phone }) : null))) : null,
    area,
    allows('unable', job.state) ? h('details', {}, h('summary', { class: 'button', id: 'unable-open', text: '対応不可' }),
      reasonForm(job, 'unable', '対応不可', again)) : null,
    allows('reject', job.state) ? h('details', {}, h('summary', { class: 'button', id: 'reject-open', text: '差し戻し' }),
      reasonForm(job, 'reject', '差し戻し', again)) : null,
    h('h2', { text: '履歴（この端末から）' }), history(job.history, job.outcomes));
  const m = makeMap(mapEl);
  if (m && job.lat !== null) {
    const mk = L.circleMarker([job.lat, job.lon], { radius: 12, color: '#000', fillColor: '#ffd400', fillOpacity: 1 }).addTo(m);
    const here = hereMarker(m);
    fit(m, [mk], here ? state.position : null);
  }
  return m ? () => m.remove() : null;
}

// ---- patrol --------------------------------------------------------------

async function patrolView() {
  const p = await api('GET', '/patrol');
  const cats = p.categories || [];
  const mapEl = h('div', { class: 'map big', id: 'patrol-map' });
  let tapped = null;
  photoIds = [];
  const catSel = h('select', { id: 'finding-category' }, h('option', { value: '', text: '種類を選ぶ' }),
    cats.map((c) => h('option', { value: c.code, text: c.name_ja || c.code })));
  const qs = h('div', { id: 'finding-questions' });
  catSel.addEventListener('change', () => {
    const c = cats.find((x) => x.code === catSel.value);
    qs.replaceChildren(...questionInputs(c ? c.questions : []));
  });
  const where = h('p', { id: 'finding-where', text: '位置：現在地（地図を押すとその場所）' });
  // The address: the nearest town or block the device knows (sent by the
  // server once a day), filled in for the position and changeable.
  const addr = h('input', { type: 'text', id: 'finding-address', maxlength: '200', autocomplete: 'off',
    placeholder: '住所（町名・番地） Address', 'data-edited': '0' });
  addr.addEventListener('input', () => { addr.dataset.edited = '1'; });
  const addrHint = h('small', { id: 'finding-address-hint' });
  const fillAddress = async (ll) => {
    if (addr.dataset.edited === '1') return;
    try {
      const r = await api('GET', ll ? `/place?lat=${ll.lat}&lon=${ll.lng}` : '/place');
      if (addr.dataset.edited === '1') return;
      addr.value = r.name || '';
      addrHint.textContent = r.name ? '位置から自動入力（修正できます） filled from the position; editable'
        : '近くの町名が端末にありません。入力してください (no known town nearby: type it)';
    } catch (e) { /* the agent restarts: left empty */ }
  };
  fillAddress(null);
  const form = h('form', { id: 'finding-form' }, h('h2', { text: '発見を報告' }), catSel, qs, where,
    h('label', { class: 'field' }, '住所 ', addr), addrHint,
    noteInput(), photoInput(photoIds), h('button', { type: 'submit', class: 'primary', id: 'finding-submit' }, '発見を記録'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!catSel.value) { toast('種類を選んでください', true); return; }
    const body = { category: catSel.value, note: form.querySelector('#note').value, photos: photoIds,
      answers: collectAnswers(form) };
    if (addr.value.trim()) body.address = addr.value.trim();
    if (tapped) { body.lat = tapped.lat; body.lon = tapped.lng; }
    if (await act('/findings', body, '発見を記録しました')) { photoIds = []; route(); }
  });
  show(
    h('h1', { text: p.running ? '巡回中' : '巡回' }),
    h('button', { class: p.running ? 'primary danger' : 'primary', id: 'patrol-toggle', 'data-running': p.running ? '1' : '0',
      onclick: async () => {
        if (await act('/patrol', { action: p.running ? 'stop' : 'start' }, p.running ? '巡回終了を記録しました' : '巡回開始を記録しました')) route();
      } }, p.running ? '巡回終了' : '巡回開始'),
    h('p', { id: 'track-count', text: `軌跡 ${p.points.length}点` + (state && state.position ? '' : '（GPSの位置なし）') }),
    mapEl, form,
    h('h2', { text: '巡回の記録（この端末から）' }), history(p.history, [], cats));
  const m = makeMap(mapEl);
  if (!m) return null;
  const here = hereMarker(m);
  fit(m, p.points.length ? [L.polyline(p.points)] : [], here ? state.position : null);
  // The track grows as the fixes come: redrawn, the form left alone.
  const line = L.polyline(p.points, { color: '#b00000', weight: 5 }).addTo(m);
  const poll = setInterval(async () => {
    try {
      const q = await api('GET', '/patrol');
      line.setLatLngs(q.points);
      view.querySelector('#track-count').textContent = `軌跡 ${q.points.length}点`;
      view.querySelector('#history').replaceWith(history(q.history, [], cats));
    } catch (e) { /* the agent restarts: the next poll */ }
  }, 3000);
  let mk = null;
  m.on('click', (e) => {
    tapped = e.latlng;
    if (mk) mk.remove();
    mk = L.marker(e.latlng).addTo(m);
    where.textContent = `位置：地図で指定（${e.latlng.lat.toFixed(5)}, ${e.latlng.lng.toFixed(5)}）`;
    fillAddress(e.latlng);
  });
  return () => { clearInterval(poll); m.remove(); };
}

// ---- the way back --------------------------------------------------------

// OSM classes as the crews say them.
const CLASS_JA = { motorway: '高速道路', trunk: '国道', primary: '国道・主要道', secondary: '県道',
  tertiary: '市道（幹線）', residential: '生活道路', unclassified: '市道', service: '通路',
  footway: '歩道', path: '小道', river: '河川', stream: '小川', canal: '用水路', park: '公園' };
// '神奈川県川崎市麻生区' → '麻生区'
function wardShort(name) {
  const m = name && name.match(/市(.+区)$/);
  return m ? m[1] : name;
}

async function waybackView() {
  const w = await api('GET', '/wayback');
  const mapEl = h('div', { class: 'map big', id: 'wayback-map' });
  // By road or river name, then ward.
  const groups = new Map();
  for (const p of w.pieces || []) {
    const key = `${p.name || '名称なし'}（${wardShort(p.ward_name) || p.ward_code || '区不明'}）`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(p);
  }
  const take = h('button', { class: 'primary', id: 'wayback-take', onclick: async () => {
    const ids = [...view.querySelectorAll('input[name=piece]:checked')].map((x) => Number(x.value));
    if (!ids.length) { toast('区間を選んでください', true); return; }
    if (await act('/wayback/take', { pieces: ids }, `${ids.length}区間の巡回を開始しました`)) location.hash = '#/patrol';
  } }, '選んだ区間を巡回開始');
  show(
    h('h1', { text: '帰路の点検' }),
    h('p', { class: 'muted', id: 'wayback-fetched', text: w.fetched_ms
      ? `事務所への帰り道から ${Math.round(w.within_m || 0)} m 以内の点検期限切れ区間（${fmtTime(w.fetched_ms, true)} 取得）`
      : 'まだ取得していません（電波のある所で「更新」）' }),
    h('button', { id: 'wayback-refresh', onclick: async (ev) => {
      ev.target.disabled = true;
      await api('POST', '/wayback/refresh', {});
      toast('帰路の区間を問い合わせています');
      // Redrawn when the answer is in (or after 30 s without one).
      for (let i = 0; i < 30; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        const x = await api('GET', '/wayback');
        if (x.fetched_ms !== w.fetched_ms) break;
      }
      if (location.hash === '#/wayback') route();
    } }, '更新'),
    mapEl,
    h('ul', { class: 'list', id: 'pieces' }, [...groups.entries()].map(([name, ps]) => h('li', { class: 'piece' },
      h('strong', { text: name }),
      ps.map((p) => h('label', { class: 'choice', 'data-id': p.piece_id },
        h('input', { type: 'checkbox', name: 'piece', value: p.piece_id, checked: true }),
        `${CLASS_JA[p.class] || p.class || ''} ${Math.round(p.length_m || 0)} m・道から ${Math.round(p.off_route_m || 0)} m`,
        p.last_inspected ? `・前回 ${p.last_inspected.slice(0, 10)}` : '・点検記録なし'))))),
    (w.pieces || []).length ? take : h('p', { text: '帰り道の近くに期限切れの区間はありません。' }));
  const m = makeMap(mapEl);
  if (!m) return null;
  const layers = (w.pieces || []).filter((p) => p.lonlat).map((p) =>
    L.polyline(p.lonlat.map(([lo, la]) => [la, lo]), { color: '#b00000', weight: 6 }).addTo(m).bindTooltip(p.name || ''));
  const here = hereMarker(m);
  fit(m, layers, here ? state.position : null);
  return () => m.remove();
}

// ---- status --------------------------------------------------------------

async function statusView() {
  await refreshState();
  const s = state;
  if (same({ ...s, now_ms: 0, next_sync_ms: 0 })) return KEEP;
  const rows = [
    ['班', s.crew ? `${s.crew_name || ''}（${s.crew}）` : '未登録'],
    ['端末', s.device_id ? `端末 ${s.device_id}` : '—'],
    ['サーバー', s.server || '—'],
    ['失効', s.revoked || /revoked/.test(s.last_error || '') ? '失効しました（個人情報は消去済み）' : '有効'],
    ['未送信', `${s.pending}件（写真 ${s.photos_pending}枚）`],
    ['最終同期', s.last_sync_ms ? fmtTime(s.last_sync_ms, true) : '—'],
    ['次の同期', s.syncing ? '同期中' : s.next_sync_ms ? fmtTime(s.next_sync_ms) + ' ごろ' : '—'],
    ['エラー', s.last_error ? errorInWords(s.last_error) : 'なし'],
    ['詳細', s.last_error || '—'],
    ['GPS', s.position ? `${s.position.lat.toFixed(5)}, ${s.position.lon.toFixed(5)}（${fmtTime(s.position.t_ms)}）` : `位置なし（${s.gps}）`],
    ['時刻', `${zone()}（${fmtTime(s.now_ms, true)}）`],
  ];
  show(h('h1', { text: '端末の状態' }),
    h('dl', { class: 'kv', id: 'status-table' }, rows.map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v })])),
    s.refused.length ? h('div', {}, h('h2', { text: 'サーバーが受け付けなかった記録' }),
      h('ul', { id: 'refused' }, s.refused.map((r) => h('li', { text: `${whatJa(r.what)}${r.job ? `（案件 ${r.job}）` : ''}：${r.message || r.status}` })))) : null,
    h('button', { onclick: async () => { await api('POST', '/sync', {}); toast('送信します'); } }, '今すぐ同期'));
  return null;
}

// ---- routing -------------------------------------------------------------

// soft: a refresh; a view whose data did not change answers KEEP and the
// page stays as it is (no flicker, nothing under the crew's thumb moves).
async function route(soft) {
  const hash = location.hash || '#/jobs';
  let m;
  let next;
  if (!soft) lastSig = null;
  for (const a of document.querySelectorAll('#nav a'))
    a.classList.toggle('on', hash.startsWith('#/' + a.dataset.view));
  try {
    if ((m = hash.match(/^#\/jobs\/(\d+)$/))) next = await jobView(m[1]);
    else if (hash === '#/patrol') next = await patrolView();
    else if (hash === '#/wayback') next = await waybackView();
    else if (hash === '#/status') next = await statusView();
    else next = await jobsView();
    document.body.dataset.view = hash;
  } catch (e) {
    next = null;
    show(h('p', { class: 'banner danger', text: e.message }));
  }
  if (next === KEEP) return;
  if (cleanup) cleanup();
  cleanup = next;
}

// Lists refresh themselves; a form being filled in is left alone.
async function tick() {
  await refreshState();
  const hash = location.hash || '#/jobs';
  const busy = document.activeElement && ['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement.tagName);
  const filling = view.querySelector('#done-form, #reason-form[open], details[open], #finding-form input:checked');
  if (!busy && !filling && !photoIds.length && (hash === '#/jobs' || hash === '' || hash === '#/status' ||
      /^#\/jobs\/\d+$/.test(hash) && !view.querySelector('#done-form')))
    await route(true);
}

window.addEventListener('hashchange', () => route());
await refreshState();
await route();
timer = setInterval(tick, 3000);
window.addEventListener('pagehide', () => clearInterval(timer));
