// The crew's screen in Japanese (default) and English. The terms it
// shares with the console and the exports (a job's state, the crew's
// steps, patrol coverage) come from the one glossary,
// server/core/glossary.c, which the build writes into glossary.js; the
// screen's own words are below. A key in both is the glossary's.
import { GLOSSARY } from './glossary.js';

const T = {
  'lang.other': ['English', '日本語'],
  'title': ['現場端末', 'Field handheld'],
  'nav.jobs': ['案件', 'Jobs'],
  'nav.patrol': ['巡回', 'Patrol'],
  'nav.wayback': ['帰路', 'Way back'],
  'nav.status': ['状態', 'Status'],
  'sync.pending': ['未送信 {n}件', '{n} not sent'],
  'sync.last': ['最終同期 {t}', 'Last sync {t}'],
  'sync.running': ['同期中…', 'Syncing…'],
  'sync.send': ['送信', 'Send'],
  'sync.sending': ['送信します', 'Sending'],
  'sync.now': ['今すぐ同期', 'Sync now'],
  'banner.offline': ['オフライン：記録は端末に保存済み。つながると自動で送信します',
    'Offline: everything is saved on the handheld and is sent when the link is back'],
  'banner.revoked': ['この端末は失効しました。管理者に再登録を依頼してください',
    'This handheld was revoked. Ask an administrator to enrol it again'],
  'agent.gone': ['端末アプリが応答しません', 'The handheld program does not answer'],
  'err.revoked': ['この端末は失効しました（管理者に再登録を依頼）', 'This handheld was revoked (ask an administrator to enrol it again)'],
  'err.not_enrolled': ['端末が未登録です', 'This handheld is not enrolled'],
  'err.connect': ['サーバーに接続できません（電波が弱い、またはサーバー停止）', 'Cannot reach the server (weak signal, or the server is down)'],
  'err.server': ['サーバー側の障害です（自動で再送します）', 'The server has a fault (sent again by itself)'],
  'err.refused': ['サーバーが受け付けませんでした', 'The server refused it'],
  'err.sync': ['同期に失敗しました', 'Sync failed'],
  'dist.unknown': ['距離不明', 'distance unknown'],
  'badge.pending': ['送信待ち', 'waiting to send'],
  'badge.pending.n': [' 送信待ち {n}件', ' {n} waiting to send'],
  'badge.refused': ['サーバーが受け付けず: {m}', 'refused by the server: {m}'],
  'badge.sent': ['送信済み {t}', 'sent {t}'],
  'what.record': ['記録', 'record'],
  'what.patrol_start': ['巡回開始', 'patrol started'],
  'what.patrol_stop': ['巡回終了', 'patrol ended'],
  'what.done': ['完了：{o}', 'done: {o}'],
  'what.finding': ['発見：{c}', 'finding: {c}'],
  'map.none': ['地図なし（地図部品なし）', 'No map (map library missing)'],
  'map.device': ['端末の地図', 'Map on the handheld'],
  'map.offline': ['地図なし（オフライン）', 'No map (offline)'],
  'map.here': ['現在地', 'You are here'],
  'jobs.title': ['今日の案件（{n}件）', "Today's jobs ({n})"],
  'jobs.order.plan': ['作業計画の順', 'In day plan order'],
  'jobs.order.none': ['作業計画なし：優先度・約束時刻の順', 'No day plan: by priority, then promised time'],
  'jobs.none': ['案件はありません。同期すると届きます。', 'No jobs. They arrive with a sync.'],
  'job.noaddress': ['住所なし', 'no address'],
  'job.eta': ['到着予定 {a}〜{b}', 'Expected {a}–{b}'],
  'job.promise': [' ・ 約束 {t}まで', ' · promised by {t}'],
  'job.place': ['場所', 'Place'],
  'job.promised': ['約束', 'Promised'],
  'job.promised.by': ['{t} までに安全確保', 'made safe by {t}'],
  'job.what': ['内容', 'What'],
  'job.callers': ['連絡先（完了で端末から消去）', 'Contacts (erased from the handheld when done)'],
  'job.noname': ['（名前なし）', '(no name)'],
  'job.closed': ['この案件は「{s}」です。', 'This job is "{s}".'],
  // The handheld's own states, which no server state names (so not the
  // glossary's): a job this crew gave back, until the server has it
  // (agent.h AGENT_STATE_GIVEN_BACK), and one a sync says is no longer
  // this crew's while still open (sync_outbound's reason 'reassigned').
  'state.rejected': ['辞退済み', 'Given back'],
  'state.reassigned': ['担当外', 'No longer yours'],
  'job.history': ['履歴（この端末から）', 'History (from this handheld)'],
  'photo': ['写真', 'Photo'],
  'photo.take': ['📷 写真を撮る', '📷 Take a photo'],
  'photo.failed': ['写真を保存できません: {m}', 'Cannot keep the photo: {m}'],
  'note.placeholder': ['所見（定型文を押すと追加）', 'Notes (tap a phrase to add it)'],
  'q.unanswered': ['（未回答）', '(no answer)'],
  'act.pending': ['{m}（送信待ち）', '{m} (waiting to send)'],
  'act.recorded': ['{a}を記録しました', 'Recorded: {a}'],
  'done.title': ['完了の報告', 'Report the job done'],
  'done.outcome': ['結果', 'Outcome'],
  'done.questions': ['質問', 'Questions'],
  'done.notes': ['所見', 'Notes'],
  'done.submit': ['完了を記録', 'Record done'],
  'done.choose': ['結果を選んでください', 'Choose an outcome'],
  'done.recorded': ['完了を記録しました', 'Recorded as done'],
  'reason.choose': ['理由を選ぶ', 'Choose a reason'],
  'reason.extra': ['補足（任意）', 'More (optional)'],
  'reason.title': ['{a}の理由', 'Why: {a}'],
  'reason.submit': ['{a}を記録', 'Record: {a}'],
  'reason.missing': ['理由を選んでください', 'Choose a reason'],
  'patrol.title': ['巡回', 'Patrol'],
  'patrol.running': ['巡回中', 'On patrol'],
  'patrol.start': ['巡回開始', 'Start patrol'],
  'patrol.stop': ['巡回終了', 'End patrol'],
  'patrol.started': ['巡回開始を記録しました', 'Patrol start recorded'],
  'patrol.stopped': ['巡回終了を記録しました', 'Patrol end recorded'],
  'patrol.track': ['軌跡 {n}点', 'Track: {n} points'],
  'patrol.nogps': ['（GPSの位置なし）', ' (no GPS position)'],
  'patrol.history': ['巡回の記録（この端末から）', 'Patrol records (from this handheld)'],
  'finding.title': ['発見を報告', 'Report a finding'],
  'finding.category': ['種類を選ぶ', 'Choose what it is'],
  'finding.where.here': ['位置：現在地（地図を押すとその場所）', 'Where: your position (tap the map for another place)'],
  'finding.where.map': ['位置：地図で指定（{lat}, {lon}）', 'Where: picked on the map ({lat}, {lon})'],
  'finding.address': ['住所', 'Address'],
  'finding.address.placeholder': ['住所（町名・番地）', 'Address (town, block number)'],
  'finding.address.filled': ['位置から自動入力（修正できます）', 'Filled in from the position (you can change it)'],
  'finding.address.none': ['近くの町名が端末にありません。入力してください', 'No known town nearby on the handheld: type it'],
  'finding.submit': ['発見を記録', 'Record the finding'],
  'finding.choose': ['種類を選んでください', 'Choose what it is'],
  'finding.recorded': ['発見を記録しました', 'Finding recorded'],
  'wayback.title': ['帰路の巡回', 'Patrol on the way back'],
  'wayback.fetched': ['事務所への帰り道から {m} m 以内の{overdue}の区間（{t} 取得）',
    'Overdue pieces within {m} m of the way back to the office (fetched {t})'],
  'wayback.never': ['まだ取得していません（電波のある所で「更新」）', 'Not fetched yet (tap "Refresh" where there is signal)'],
  'wayback.refresh': ['更新', 'Refresh'],
  'wayback.asking': ['帰路の区間を問い合わせています', 'Asking for the pieces on the way back'],
  'wayback.choose': ['区間を選んでください', 'Choose pieces'],
  'wayback.take': ['選んだ区間を巡回開始', 'Start a patrol on the chosen pieces'],
  'wayback.taken': ['{n}区間の巡回を開始しました', 'Patrol started on {n} pieces'],
  'wayback.unnamed': ['名称なし', 'unnamed'],
  'wayback.noward': ['区不明', 'ward unknown'],
  'wayback.piece': ['{c} {len} m・道から {off} m', '{c} {len} m · {off} m off the way'],
  'wayback.last': ['・前回 {d}', ' · last {d}'],
  'wayback.never_patrolled': ['・巡回記録なし', ' · never patrolled'],
  'wayback.none': ['帰り道の近くに{overdue}の区間はありません。', 'No overdue pieces near the way back.'],
  'status.title': ['端末の状態', 'Handheld status'],
  'status.crew': ['班', 'Crew'],
  'status.device': ['端末', 'Handheld'],
  'status.device.id': ['端末 {id}', 'handheld {id}'],
  'status.server': ['サーバー', 'Server'],
  'status.revoked': ['失効', 'Revoked'],
  'status.revoked.yes': ['失効しました（個人情報は消去済み）', 'Revoked (personal data erased)'],
  'status.revoked.no': ['有効', 'Valid'],
  'status.pending': ['未送信', 'Not sent'],
  'status.pending.n': ['{n}件（写真 {p}枚）', '{n} (photos: {p})'],
  'status.last': ['最終同期', 'Last sync'],
  'status.next': ['次の同期', 'Next sync'],
  'status.next.at': ['{t} ごろ', 'about {t}'],
  'status.syncing': ['同期中', 'syncing'],
  'status.error': ['エラー', 'Error'],
  'status.error.none': ['なし', 'none'],
  'status.detail': ['詳細', 'Detail'],
  'status.gps': ['GPS', 'GPS'],
  'status.gps.none': ['位置なし（{g}）', 'no position ({g})'],
  'status.time': ['時刻', 'Time'],
  'status.unenrolled': ['未登録', 'not enrolled'],
  'status.refused': ['サーバーが受け付けなかった記録', 'Records the server refused'],
  'status.refused.job': ['（案件 {j}）', ' (job {j})'],
  // Photos the server refused for good (kept on the handheld, not sent
  // again): why, in words; the server's own reason beside it.
  'status.photos_refused': ['サーバーが受け付けなかった写真', 'Photos the server refused'],
  'photo.refused': ['写真 {w}{j}：{why}（{m}）', 'Photo {w}{j}: {why} ({m})'],
  'photo.why.damaged': ['写真が壊れて届きました', 'It arrived damaged'],
  'photo.why.not_image': ['画像として受け付けられません', 'Not accepted as an image'],
  'photo.why.too_large': ['写真が大きすぎます', 'The photo is too large'],
  'photo.why.missing': ['端末に写真が残っていません', "The handheld's copy is missing"],
  // Fixed phrases and reasons: put into the note as shown.
  'phrase.explained': ['住民へ説明済み', 'Explained to the resident'],
  'phrase.no_nest': ['巣は見当たらず', 'No nest found'],
  'phrase.card': ['不在のため連絡票を投函', 'Nobody in: left a card'],
  'phrase.revisit': ['再訪問が必要', 'Needs another visit'],
  'phrase.secured': ['周辺を安全確保', 'Made the area safe'],
  'phrase.photo': ['写真を撮影', 'Photos taken'],
  'reason.height': ['高所のため機材が必要', 'Too high: needs equipment'],
  'reason.not_ours': ['対象外（ミツバチ・私有地）', 'Not ours (honeybees, private land)'],
  'reason.no_access': ['現場に立ち入れない', 'Cannot get to the site'],
  'reason.other_area': ['担当外の地区', "Not our crew's area"],
  'reason.short': ['人手が足りない', 'Not enough hands'],
  // Road and river classes (OpenStreetMap's) as crews say them.
  'class.motorway': ['高速道路', 'motorway'],
  'class.trunk': ['国道', 'national road'],
  'class.primary': ['国道・主要道', 'main road'],
  'class.secondary': ['県道', 'prefectural road'],
  'class.tertiary': ['市道（幹線）', 'city road (arterial)'],
  'class.residential': ['生活道路', 'residential street'],
  'class.unclassified': ['市道', 'city road'],
  'class.service': ['通路', 'service road'],
  'class.footway': ['歩道', 'footway'],
  'class.path': ['小道', 'path'],
  'class.river': ['河川', 'river'],
  'class.stream': ['小川', 'stream'],
  'class.canal': ['用水路', 'canal'],
  'class.park': ['公園', 'park'],
};

const KEY = 'patrol-agent.lang';
let lang = 'ja';
try {
  if (localStorage.getItem(KEY) === 'en') lang = 'en';
} catch { /* no storage: Japanese */ }

export function getLang() { return lang; }

export function setLang(l) {
  lang = l === 'en' ? 'en' : 'ja';
  try { localStorage.setItem(KEY, lang); } catch { /* kept for this page only */ }
  document.documentElement.lang = lang;
}

export function has(key) { return key in GLOSSARY || key in T; }

// The word for key in the current language, {name}s filled from vars.
export function t(key, vars) {
  const pair = GLOSSARY[key] || T[key];
  let s = pair ? pair[lang === 'en' ? 1 : 0] || pair[0] : key;
  for (const [k, v] of Object.entries(vars || {})) s = s.split('{' + k + '}').join(String(v));
  return s;
}

// A step's name for a button: the glossary's, capitalised in English.
export function label(key) {
  const s = t(key);
  return lang === 'en' ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}

// The name of a server object in the current language (name_ja/name_en).
export function pick(o, field = 'name') {
  if (!o) return '';
  return (lang === 'en' ? o[field + '_en'] : o[field + '_ja']) || o[field + '_ja'] || o[field + '_en'] || o.code || '';
}

// Fills every [data-i18n] element of root with its word.
export function translate(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  document.title = t('title');
  document.documentElement.lang = lang;
}
