// Screens whose server side is still being built (weekly coverage: issue
// 5; devices: issue 4). They say so plainly instead of showing made-up data.
import { t } from '../i18n.js';
import { h, fill } from '../util.js';

export function render(panel, params, what) {
  fill(panel,
    h('div', { class: 'panel-head' }, h('h2', {}, t(what + '.title'))),
    h('div', { class: 'notice', id: 'unavailable', role: 'status' }, t('unavailable', { what: t('unavailable.' + what) })));
  return null;
}
