// Acting before people ask (issue 17): the words of its screens (past
// cases, outlook and recurring sites, notices) kept together here, and the
// small pieces intake and the request detail borrow: the 「昨年も同じ場所で…」
// line and the consent box.
import { getLang, word } from './i18n.js';
import { get } from './api.js';
import { h, fill } from './util.js';

const W = {
  'cases.title': ['過去事例の検索', 'Past cases'],
  'cases.hint': ['新しく来た職員のための過去の対応例です（通報者の個人情報は表示しません）。例：「巣なし」',
    'How similar calls were handled before (no caller data is shown). E.g. 巣なし (no nest).'],
  'cases.q': ['キーワード', 'Words'],
  'cases.place': ['場所', 'Place'],
  'cases.ward': ['区', 'Ward'],
  'cases.category': ['種類', 'Category'],
  'cases.count.more': ['{n} 件以上（条件で絞り込んでください）', '{n} or more (narrow the search)'],
  'cases.outcome': ['結果', 'Outcome'],
  'cases.from': ['受付日（から）', 'From'],
  'cases.to': ['受付日（まで）', 'To'],
  'cases.search': ['検索', 'Search'],
  'cases.count': ['{n} 件', '{n} cases'],
  'cases.none': ['該当する過去事例はありません。', 'No past cases match.'],
  'cases.any': ['すべて', 'Any'],
  'cases.col.date': ['受付', 'Received'],
  'cases.col.what': ['内容', 'What'],
  'cases.col.done': ['対応と結果', 'What was done'],
  'cases.col.told': ['住民への説明', 'Told the caller'],
  'cases.col.crew': ['対応班', 'Crew'],
  'demo': ['デモ', 'demo'],
  'outlook.title': ['季節の見通しと毎年の地点', 'Seasonal outlook and recurring sites'],
  'outlook.chart': ['週別件数と見通しのグラフ', 'Weekly requests and outlook chart'],
  'outlook.peak': ['ピーク：{w} の週、約 {n} 件 → {c} 班が必要', 'Peak: week of {w}, about {n} jobs → {c} crew(s) needed'],
  'outlook.nopeak': ['過去の記録がないため見通しを出せません。', 'No past records to forecast from.'],
  'outlook.model': ['見通しの考え方', 'How the outlook is made'],
  'recurring.title': ['毎年同じ場所（{n} 地点）', 'Recurring sites ({n})'],
  'recurring.rule': ['{r} m 以内の同じ種類の通報が 2 シーズン以上ある場所', 'Requests of the category within {r} m of each other in 2 or more seasons'],
  'recurring.none': ['繰り返しの地点はありません。', 'No recurring sites.'],
  'recurring.col.place': ['場所', 'Place'],
  'recurring.col.count': ['件数', 'Requests'],
  'recurring.col.when': ['時期', 'When'],
  'recurring.col.last': ['前回の結果と班のメモ', 'Last outcome and crew note'],
  'recurring.note': ['昨年も同じ場所で…', 'Same place before…'],
  'recurring.line': ['{y}年も同じ場所で（{refs}）', 'Same place in {y} too ({refs})'],
  'notices.title': ['事前のご案内（シーズン前）', 'Pre-season notices'],
  'notices.hint': ['毎年同じ場所の通報者のうち、今後の連絡に同意した方だけを表示します（保存期間を過ぎた方は出ません）。表示は記録されます。',
    'Only callers of recurring sites who agreed to be contacted, within the retention period. Opening this list is recorded.'],
  'notices.load': ['リストを表示', 'Show the list'],
  'notices.season': ['シーズン', 'Season'],
  'notices.csv': ['CSV（差し込み印刷用）', 'CSV (mail merge)'],
  'notices.letters': ['印刷用の案内文', 'Printable letters'],
  'notices.count': ['{n} 名（{s} 地点）', '{n} residents ({s} sites)'],
  'notices.seasons': ['{n} シーズン', '{n} seasons'],
  'notices.none': ['同意のある対象者はいません。', 'No consenting residents.'],
  'notices.col.name': ['氏名', 'Name'],
  'notices.col.address': ['住所', 'Address'],
  'notices.col.place': ['地点', 'Site'],
  'notices.col.consent': ['同意日', 'Consented'],
  'notices.col.sent': ['送付', 'Sent'],
  'notices.send': ['送付済にする', 'Mark sent'],
  'notices.sent': ['送付済 {d}', 'sent {d}'],
  'consent.given': ['今後の案内に同意（{d}）', 'agreed to notices ({d})'],
  'consent.label': ['今後の同じ件についての案内に同意（読み上げた文）：', 'Agrees to future notices about the same matter (text read out):'],
  'risk.title': ['欠陥が繰り返す区間（再発リスク）', 'Pieces where defects recur (risk)'],
  'risk.rule': ['50m以内・12か月の通報から算出。点検間隔の目安を短くします。', 'From reports within 50 m in 12 months; suggests a shorter inspection interval.'],
  'risk.col.piece': ['区間', 'Piece'],
  'risk.col.why': ['理由', 'Why'],
  'risk.col.interval': ['点検間隔（目安）', 'Interval (suggested)'],
  'risk.col.state': ['今週', 'This week'],
  'risk.none': ['近くに欠陥の通報がある区間はありません。', 'No piece has defect reports near it.'],
  'days': ['{n}日', '{n} d'],
};

export function w(key, vars) {
  return word(W[key], key, vars);
}

// 「2025年も同じ場所で（#123 2025-08, #140 2024-07）」 for a point, or nothing.
export function recurringNote(category, lat, lon, exceptId) {
  const el = h('div', { class: 'recurring-note', role: 'note' });
  if (!category || lat === null || lat === undefined) return el;
  const q = new URLSearchParams({ category, lat: Number(lat).toFixed(6), lon: Number(lon).toFixed(6) });
  get('/api/v1/recurring?' + q).then((r) => {
    const reqs = (r.sites || []).flatMap((s) => s.requests || []).filter((x) => x.id !== exceptId);
    if (reqs.length === 0) return;
    const years = [...new Set(reqs.map((x) => (x.created_at || '').slice(0, 4)))].sort().reverse();
    const refs = reqs.slice(-3).reverse().map((x) => '#' + x.id + ' ' + (x.created_at || '').slice(0, 7)).join(', ');
    fill(el, h('strong', {}, '↻ '), w('recurring.line', { y: years.join('・'), refs }),
      reqs.slice(-1).map((x) => h('div', { class: 'muted' }, (getLang() === 'en' ? x.outcome_en : x.outcome_ja) || '', x.note ? '：' + x.note : '')));
  }).catch(() => {});
  return el;
}

// The consent box for intake: the words come from the server, which
// records the same words with the caller.
let consentText = null;
export function consentField() {
  const box = h('input', { type: 'checkbox', name: 'caller_consent', id: 'intake-caller-consent' });
  const words = h('span', { class: 'muted small', id: 'intake-consent-text' }, consentText || '');
  if (consentText === null) {
    get('/api/v1/consent').then((r) => { consentText = r.text; words.textContent = r.text; }).catch(() => {});
  }
  return h('label', { class: 'consent' }, box, ' ', w('consent.label'), ' ', words);
}
