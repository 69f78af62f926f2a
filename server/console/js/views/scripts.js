// What to tell callers, per category (plain words for new staff): shown
// at intake when a category is chosen; admins edit them here.
import { t, pick, short } from '../i18n.js';
import { api } from '../api.js';
import { S, isStaff, isAdmin, loadReference } from '../state.js';
import { h, fill } from '../util.js';

export function render(panel) {
  if (!isStaff()) { fill(panel, h('p', { class: 'error' }, t('forbidden'))); return null; }
  const body = h('div', { id: 'scripts' });
  const draw = (msg) => fill(body, msg ? h('p', { class: msg.ok ? 'ok' : 'error', role: 'status' }, msg.text) : null,
    [...S.categories.values()].map((c) => {
      const ja = h('textarea', { name: 'script_ja', rows: 3, maxlength: 2000, readonly: !isAdmin(), 'aria-label': pick(c) + ' 日本語' });
      const en = h('textarea', { name: 'script_en', rows: 2, maxlength: 2000, readonly: !isAdmin(), 'aria-label': pick(c) + ' English' });
      ja.value = c.caller_script_ja || '';
      en.value = c.caller_script_en || '';
      return h('form', { class: 'script', dataset: { code: c.code }, onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api('PUT', '/api/v1/categories/' + encodeURIComponent(c.code) + '/script', { script_ja: ja.value, script_en: en.value });
          await loadReference();
          draw({ ok: true, text: t('scripts.saved', { c: short(c) }) });
        } catch (err) { draw({ ok: false, text: t('error', { m: err.message }) }); }
      } },
      h('h3', {}, pick(c)), h('label', {}, '日本語', ja), h('label', {}, 'English', en),
      isAdmin() ? h('button', { type: 'submit', class: 'small' }, t('scripts.save')) : null);
    }));
  fill(panel, h('div', { class: 'panel-head' }, h('h2', {}, t('scripts.title'))),
    h('div', { class: 'scroll' }, h('p', { class: 'muted' }, t('scripts.hint')), body));
  draw(null);
  return null;
}
