// The crews' day plans (issue 15): every crew's plan by crew id, loaded per
// office and kept current by the live feed's "plan" events (the server
// re-plans after every change). The crews board, the map's routes and the
// request detail draw from here.
import { get } from './api.js';
import { S, on, emit } from './state.js';
import { t } from './i18n.js';

export const plans = new Map(); // crew id -> plan (GET /api/v1/crews/{id}/plan)
let seq = 0;

export async function refreshPlans() {
  const my = ++seq;
  const replies = await Promise.all((S.offices || []).map((o) =>
    get('/api/v1/offices/' + o.id + '/plan').catch(() => ({ crews: [] }))));
  if (my !== seq) return;
  plans.clear();
  for (const r of replies) for (const p of r.crews || []) plans.set(p.crew_id, p);
  emit('plans');
}

export async function refreshPlan(crewId) {
  const p = await get('/api/v1/crews/' + crewId + '/plan');
  plans.set(crewId, p);
  emit('plans', crewId);
}

// The stop of a request in whichever crew's plan holds it.
export function stopOf(requestId) {
  for (const p of plans.values()) {
    const s = (p.stops || []).find((x) => x.request_id === requestId);
    if (s) return { plan: p, stop: s };
  }
  return null;
}

// What a crew is doing, in words: 「割当 3 件」, 「作業中 #12」...
export function dayText(c) {
  const d = c.day;
  if (!d) return t('crew.' + c.status);
  if (d.state === 'assigned') return t('day.assigned', { n: d.jobs });
  if (d.state === 'en_route' || d.state === 'on_site') return t('day.' + d.state, { id: d.state_job });
  return t('day.' + d.state);
}

export function startPlans() {
  on('plan', (ev) => {
    // Another plan (another crew's, or a job moved away): refetch it.
    refreshPlan(ev.crew_id).then(() => {
      for (const [id, p] of plans) {
        if (id === ev.crew_id) continue;
        const mine = new Set((ev.stops || []).map((s) => s.request_id));
        if ((p.stops || []).some((s) => mine.has(s.request_id))) refreshPlan(id).catch(() => {});
      }
    }).catch(() => {});
  });
  on('resync', () => { refreshPlans().catch(() => {}); });
  refreshPlans().catch(() => {});
}
