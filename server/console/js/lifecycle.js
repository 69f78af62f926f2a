// The request life cycle as the server has it (GET /api/v1/lifecycle,
// from lifecycle.c): which states are open, which actions a state allows.
// The console keeps no list of its own; state.js loads the table with the
// other reference data.
import { S } from './state.js';

// Every state, in the server's order.
export function states() {
  return (S.lifecycle.states || []).map((s) => s.name);
}

// The states of a named set: 'open', 'active' or 'closed'.
export function setOf(name) {
  return (S.lifecycle.sets || {})[name] || [];
}

export function inSet(name, state) {
  return setOf(name).includes(state);
}

// Whether the action is allowed from the state (roles aside).
export function allows(action, state) {
  const a = (S.lifecycle.actions || {})[action];
  return !!a && a.from.includes(state);
}

// Whether the logged-in user may do the action from the state.
export function can(action, state) {
  const a = (S.lifecycle.actions || {})[action];
  return !!a && !!S.me && a.from.includes(state) && a.roles.includes(S.me.role);
}

// Whether the action takes a request into or out of the active set, so
// that a crew's jobs change (assign, accept, reject, done, cancel...).
export function movesActive(action) {
  const a = (S.lifecycle.actions || {})[action];
  return !!a && (inSet('active', a.to) || a.from.some((s) => inSet('active', s)));
}
