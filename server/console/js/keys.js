// Keyboard shortcuts for the whole console; the help overlay (?) lists
// them. Letters do nothing while typing in a field, except Escape.
import { t } from './i18n.js';
import { h, fill } from './util.js';
import { S, isStaff } from './state.js';
import * as queue from './views/queue.js';
import * as detail from './views/detail.js';

export const KEYS = [
  ['n', 'keys.n'], ['/', 'keys.slash'], ['j / k', 'keys.jk'], ['Enter', 'keys.enter'],
  ['a', 'keys.a'], ['m / q / c / b', 'keys.views'], ['l', 'keys.lang'],
  ['Esc', 'keys.esc'], ['Ctrl+Enter', 'keys.submit'], ['?', 'keys.help'],
];

export function drawHelp() {
  fill(document.getElementById('help-keys'),
    KEYS.map(([k, d]) => h('tr', {}, h('th', {}, h('kbd', {}, k)), h('td', {}, t(d)))));
}

export function toggleHelp(show) {
  const el = document.getElementById('help');
  el.hidden = show === undefined ? !el.hidden : !show;
  if (!el.hidden) { drawHelp(); document.getElementById('help-close').focus(); }
}

function typing(e) {
  const el = e.target;
  return el instanceof HTMLElement && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

export function installKeys(switchLang) {
  document.addEventListener('keydown', (e) => {
    if (!S.me || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Escape') {
      if (!document.getElementById('help').hidden) toggleHelp(false);
      else if (typing(e)) e.target.blur();
      return;
    }
    if (typing(e)) return;
    switch (e.key) {
    case '?': toggleHelp(); break;
    case 'n': if (isStaff()) location.hash = '#/new'; break;
    case '/':
      if (S.view !== 'queue') { location.hash = '#/queue'; setTimeout(queue.focusFilter, 50); } else queue.focusFilter();
      break;
    case 'j': case 'ArrowDown': if (S.view === 'queue') queue.move(1); else return; break;
    case 'k': case 'ArrowUp': if (S.view === 'queue') queue.move(-1); else return; break;
    case 'Enter': if (S.view === 'queue') queue.openSelected(); else return; break;
    case 'a': if (S.view === 'detail') detail.assignTop(); break;
    case 'm': location.hash = '#/map'; break;
    case 'q': location.hash = '#/queue'; break;
    case 'c': location.hash = '#/crews'; break;
    case 'b': if (isStaff()) location.hash = '#/callbacks'; break;
    case 'l': switchLang(); break;
    default: return;
    }
    e.preventDefault();
  });
}
