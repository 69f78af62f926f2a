// The crews board: what each crew is doing now (from its jobs and shift,
// issue 15), where it is (fix or last reported site, with the age), its
// day as a timeline (travel, then work, for each planned job), status
// (staff can set break / off duty), the crew's planned break (staff set or
// clear it: PUT/DELETE /api/v1/crews/{id}/break), and an office re-plan
// the dispatcher can accept or undo. A row click centres the map on the crew.
import { t, skill, pick } from '../i18n.js';
import { api, get, post } from '../api.js';
import { S, on, isStaff, refreshCrews, officeName, crew as crewById, category } from '../state.js';
import { h, fill, ago, clock } from '../util.js';
import { focusOn } from '../map.js';
import { plans, dayText, refreshPlan } from '../plans.js';

const HOURS = 9; // the timeline shows from now to this many hours ahead

let tbody = null;
// Open break forms by crew id: what was typed survives the board's redraws.
const brkForms = new Map(); // id -> { start, end, minutes, message, error }
let redrawWaiting = false;
let replanEl = null;
let proposal = null; // { office, reply, done: [changes carried out], message }

function statusCell(c) {
  if (!isStaff()) return h('td', {}, h('span', { class: 'cstatus cs-' + c.status }, t('crew.' + c.status)));
  return h('td', {}, h('select', {
    'aria-label': t('crews.status'), class: 'cs-' + c.status,
    onclick: (e) => e.stopPropagation(),
    onchange: async (e) => {
      try { await api('PATCH', '/api/v1/crews/' + c.id, { status: e.target.value }); } catch { /* redrawn below */ }
      refreshCrews().catch(() => {});
    },
  }, ['available', 'break', 'off_duty'].map((s) => h('option', { value: s, selected: s === c.status }, t('crew.' + s)))));
}

function positionCell(c) {
  const p = c.day && c.day.position;
  if (!p) return h('td', { class: 'stale' }, t('crews.nofix'));
  const age = p.age_s === null || p.age_s === undefined ? null : p.age_s;
  const text = p.source === 'office' ? t('crews.pos.office') : t('crews.pos.' + p.source, { a: age === null ? '' : ago(age) });
  return h('td', { class: p.source !== 'gps' || age === null || age > 900 ? 'stale' : '', dataset: { source: p.source } }, text);
}

// One bar per stop: travel (light) then work (solid), placed on the hours
// from now; a late stop is outlined red.
function timeline(c) {
  const plan = plans.get(c.id);
  const stops = plan ? plan.stops || [] : [];
  if (stops.length === 0) return h('div', { class: 'daybar empty', dataset: { crew: c.code } }, t('plan.none'));
  const now = Date.now(), span = HOURS * 3600e3;
  const pct = (iso, minus = 0) => Math.max(0, Math.min(100, ((new Date(iso).getTime() - minus - now) / span) * 100));
  // Placed through the CSSOM: the CSP refuses inline style attributes.
  const at = (el, left, width) => { el.style.left = left + '%'; if (width !== undefined) el.style.width = width + '%'; return el; };
  const bars = [];
  for (const s of stops) {
    const arrive = pct(s.arrive_at), travelFrom = pct(s.arrive_at, (s.travel_minutes || 0) * 60e3);
    const start = pct(s.start_at), end = pct(s.finish_at);
    if (arrive > travelFrom) {
      bars.push(at(h('span', { class: 'tl-travel', dataset: { by: s.travel_by || '' },
        title: t('plan.travel', { m: Math.round(s.travel_minutes || 0),
          how: t(s.travel_by === 'road_network' ? 'plan.by.road' : 'plan.by.straight') }) }),
      travelFrom, arrive - travelFrom));
    }
    bars.push(at(h('span', {
      class: 'tl-work' + (s.late_minutes > 0 ? ' late' : '') + (s.pinned ? ' pinned' : ''),
      title: t('plan.stop', { n: s.order, id: s.request_id, cat: pick(s), a: clock(s.arrive_at) }) +
        (s.late_minutes > 0 ? ' · ' + t('plan.late', { m: s.late_minutes }) : ''),
      dataset: { request: String(s.request_id), order: String(s.order) },
      onclick: (e) => { e.stopPropagation(); location.hash = '#/requests/' + s.request_id; },
    }, '#' + s.request_id), start, Math.max(end - start, 0.8)));
  }
  // The crew's break, where the plan puts it (jobs are planned around it).
  const b = plan && plan.break;
  if (b && b.start_at) {
    bars.push(at(h('span', { class: 'tl-break', title: t('plan.break', { a: clock(b.start_at), b: clock(b.end_at) }) },
      t('plan.break.short')), pct(b.start_at), Math.max(pct(b.end_at) - pct(b.start_at), 0.8)));
  }
  // Ticks on the hour of the configured zone (10:00, 11:00, ...), as a
  // dispatcher reads a day: the next one is 60 minus the minutes of now.
  const ticks = [];
  const mins = Number(clock(new Date(now).toISOString()).slice(-2)) || 0;
  const first = now - (now % 60e3) + (60 - mins) * 60e3;
  for (let t0 = first; t0 < now + span; t0 += 3600e3) {
    const left = ((t0 - now) / span) * 100;
    if (left >= 2) ticks.push(at(h('span', { class: 'tl-tick' }, clock(new Date(t0).toISOString())), left));
  }
  return h('div', { class: 'daybar', dataset: { crew: c.code } }, ticks, bars);
}

// How the plan measured its drives (issue 15 item 6): 道路網で計算, or
// 直線距離×迂回係数 when no road network is imported or a place is off it.
function distLine(c) {
  const plan = plans.get(c.id);
  if (!plan || !(plan.stops || []).length || !plan.distances) return null;
  return h('div', { class: 'plan-by muted', dataset: { distancesOf: c.code, by: plan.distances } },
    t('plan.by', { how: pick(plan, 'distances') }));
}

function breakText(b) {
  if (!b) return t('brk.none');
  const a = b.start, e = b.end;
  const whole = b.minutes === minutesBetween(a, e);
  return whole ? t('brk.fixed', { a, b: e }) : t('brk.float', { m: b.minutes, a, b: e });
}

function minutesBetween(a, b) {
  const m = (x) => { const [hh, mm] = String(x || '').split(':').map(Number); return hh * 60 + mm; };
  return m(b) - m(a);
}

async function saveBreak(c, f, clear) {
  try {
    if (clear) {
      await api('DELETE', '/api/v1/crews/' + c.id + '/break');
      f.message = t('brk.cleared');
    } else {
      const body = { start: f.start, end: f.end };
      if (String(f.minutes || '').trim() !== '') body.minutes = Number(f.minutes);
      await api('PUT', '/api/v1/crews/' + c.id + '/break', body);
      f.message = t('brk.saved');
    }
    f.error = false;
  } catch (e) {
    f.message = t('brk.refused', { m: e.message });
    f.error = true;
  }
  draw();
  // The live feed's plan event follows; fetch now too for the break itself.
  refreshPlan(c.id).catch(() => {});
}

// The crew's break under its timeline: what is planned, and for staff a
// form (fixed: from-until; floating: a length within the range).
function breakLine(c) {
  const plan = plans.get(c.id);
  const b = plan ? plan.break : null;
  const line = h('div', { class: 'brk-line', dataset: { breakOf: c.code } },
    h('span', { class: 'brk-now' }, breakText(b)));
  if (!isStaff()) return line;
  const f = brkForms.get(c.id);
  if (!f) {
    line.append(h('button', { type: 'button', class: 'small brk-edit', onclick: (e) => {
      e.stopPropagation();
      brkForms.set(c.id, { start: b ? b.start : '12:00', end: b ? b.end : '13:00',
        minutes: b && b.minutes !== minutesBetween(b.start, b.end) ? String(b.minutes) : '', message: '' });
      draw();
    } }, t('brk.edit')));
    return line;
  }
  const field = (key, label, type, extra) => h('label', {}, label + ' ',
    h('input', { type, name: key, value: f[key], ...extra,
      oninput: (e) => { f[key] = e.target.value; } }));
  const form = h('form', { class: 'brk-form', dataset: { crew: c.code },
    onclick: (e) => e.stopPropagation(),
    onsubmit: (e) => { e.preventDefault(); saveBreak(c, f, false); },
    onfocusout: () => { setTimeout(() => { if (redrawWaiting && !editing()) draw(); }, 0); } },
  h('fieldset', {}, h('legend', {}, t('brk.legend', { c: c.name })),
    field('start', t('brk.start'), 'time', { required: true }),
    field('end', t('brk.end'), 'time', { required: true }),
    field('minutes', t('brk.minutes'), 'number', { min: '5', max: '240', step: '1' }),
    h('button', { type: 'submit', class: 'primary small' }, t('brk.save')),
    h('button', { type: 'button', class: 'small brk-clear', onclick: () => saveBreak(c, f, true) }, t('brk.clear')),
    h('button', { type: 'button', class: 'small', onclick: () => { brkForms.delete(c.id); draw(); } }, t('brk.close')),
    f.message ? h('p', { class: 'brk-msg' + (f.error ? ' warn' : ''), role: 'status' }, f.message) : null));
  line.append(form);
  return line;
}

// Typing in a break form: a redraw now would take the caret away.
function editing() {
  const a = document.activeElement;
  return !!(a && tbody && tbody.contains(a) && a.closest('.brk-form') && a.tagName === 'INPUT');
}

function draw() {
  if (!tbody) return;
  if (editing()) { redrawWaiting = true; return; }
  redrawWaiting = false;
  fill(tbody, S.crews.map((c) => {
    const p = c.day && c.day.position;
    return [h('tr', { dataset: { crew: c.code, day: c.day ? c.day.state : c.status },
      onclick: () => { if (p && typeof p.lat === 'number') focusOn(p.lat, p.lon, 15); } },
      h('td', {}, h('strong', {}, c.name), h('div', { class: 'muted' }, c.code)),
      h('td', {}, officeName(c.office)),
      h('td', { class: 'skills' }, (c.skills || []).map(skill).join('・')),
      h('td', { class: 'day' }, h('span', { class: 'cday cd-' + (c.day ? c.day.state : c.status) }, dayText(c))),
      statusCell(c),
      h('td', { class: 'num' }, String(c.jobs)),
      positionCell(c),
      h('td', { class: 'muted' }, c.shift_start === c.shift_end ? t('shift.always') : (c.shift_start || '').slice(0, 5) + '–' + (c.shift_end || '').slice(0, 5))),
    // Its day, the full width of the board under its row.
    h('tr', { class: 'plan-row', dataset: { planOf: c.code } },
      h('td', { class: 'plan-cell', colspan: 8 }, timeline(c), distLine(c), breakLine(c)))];
  }).flat());
  drawReplan();
}

async function propose(o) {
  proposal = { office: o, reply: null, done: [], message: null };
  drawReplan();
  try {
    proposal.reply = await get('/api/v1/offices/' + o.id + '/replan');
  } catch (e) {
    proposal.message = t('error', { m: e.message });
  }
  drawReplan();
}

// Accepting carries out the listed actions one by one; undoing puts each
// job back where it was (reassign to its crew, or back to the queue).
async function accept() {
  const changes = proposal.reply.changes || [];
  proposal.done = [];
  for (const c of changes) {
    try {
      await post('/api/v1/requests/' + c.request_id + '/' + c.action, { crew_id: c.crew_id });
      proposal.done.push(c);
    } catch (e) {
      proposal.message = t('error', { m: e.message });
      break;
    }
  }
  if (!proposal.message) proposal.message = t('replan.done', { n: proposal.done.length });
  proposal.accepted = true;
  refreshCrews().catch(() => {});
  drawReplan();
}

async function undo() {
  for (const c of proposal.done.slice().reverse()) {
    try {
      if (c.from_crew_id) await post('/api/v1/requests/' + c.request_id + '/reassign', { crew_id: c.from_crew_id });
      else await post('/api/v1/requests/' + c.request_id + '/reject', { reason: t('replan.undo') });
    } catch (e) {
      proposal.message = t('error', { m: e.message });
    }
  }
  proposal.done = [];
  proposal.accepted = false;
  proposal.undone = true;
  proposal.message = t('replan.undone');
  refreshCrews().catch(() => {});
  drawReplan();
}

function drawReplan() {
  if (!replanEl) return;
  if (!isStaff()) { fill(replanEl); return; }
  const buttons = h('div', { class: 'replan-buttons' }, (S.offices || []).map((o) =>
    h('button', { type: 'button', class: 'small', dataset: { office: o.code }, onclick: () => propose(o) },
      t('replan.button', { o: pick(o) }))));
  if (!proposal) { fill(replanEl, buttons); return; }
  const r = proposal.reply;
  const name = (id) => { const c = crewById(id); return c ? c.name : '#' + id; };
  fill(replanEl, buttons,
    h('section', { id: 'replan', class: 'replan' },
      h('h3', {}, t('replan.title', { o: pick(proposal.office) })),
      proposal.message ? h('p', { id: 'replan-message', role: 'status' }, proposal.message) : null,
      !r ? (proposal.message ? null : h('p', { class: 'muted' }, '…')) : [
        (r.changes || []).length === 0 && !proposal.accepted
          ? h('p', { class: 'muted', id: 'replan-none' }, t('replan.none')) : null,
        h('ul', { id: 'replan-changes' }, (r.changes || []).map((c) => h('li', { dataset: { request: String(c.request_id) } },
          t('replan.change', { id: c.request_id, cat: c.category ? pick(category(c.category)) : '', crew: name(c.crew_id) })))),
        (r.unplanned || []).length ? h('ul', { class: 'warn' }, r.unplanned.map((u) =>
          h('li', {}, t('replan.unplanned', { id: u.request_id, why: pick({ name_ja: u.text_ja, name_en: u.text }) })))) : null,
        h('p', { class: 'muted', id: 'replan-distances', dataset: { by: r.distances || '' } },
          t('plan.by', { how: pick(r, 'distances') })),
        (r.changes || []).length && !proposal.accepted && !proposal.undone
          ? h('button', { type: 'button', class: 'primary', id: 'replan-accept', onclick: accept }, t('replan.accept')) : null,
        proposal.accepted && proposal.done.length
          ? h('button', { type: 'button', id: 'replan-undo', onclick: undo }, t('replan.undo')) : null,
      ]));
}

export function render(panel) {
  tbody = h('tbody', { id: 'crews-rows' });
  replanEl = h('div', { id: 'replan-box' });
  fill(panel,
    h('div', { class: 'panel-head' }, h('h2', {}, t('crews.title'))),
    replanEl,
    h('div', { class: 'scroll' }, h('table', { class: 'grid', id: 'crews-table' },
      h('thead', {}, h('tr', {}, ['crews.code', 'crews.office', 'crews.skills', 'crews.day', 'crews.status', 'crews.jobs', 'crews.fix', 'crews.shift']
        .map((k) => h('th', {}, k ? t(k) : '')))),
      tbody)));
  draw();
  refreshCrews().catch(() => {});
  const offs = [on('crews', draw), on('plans', draw)];
  const timer = setInterval(draw, 15000);
  return () => { offs.forEach((f) => f()); clearInterval(timer); tbody = null; replanEl = null; };
}
