import { statePrefixes, type SessionState } from './session-service.js';

/** Persisted state split by scope; app and user keys are held without their prefix, as they are stored. */
export interface ScopedState {
  app: SessionState;
  user: SessionState;
  session: SessionState;
}

/** Splits prefixed state into its persisted scopes and drops `temp:` keys, which are never stored. */
export function splitState(state: SessionState): ScopedState {
  const scoped: ScopedState = { app: {}, user: {}, session: {} };
  for (const [key, value] of Object.entries(state)) {
    if (key.startsWith(statePrefixes.app)) scoped.app[key.slice(statePrefixes.app.length)] = value;
    else if (key.startsWith(statePrefixes.user))
      scoped.user[key.slice(statePrefixes.user.length)] = value;
    else if (!key.startsWith(statePrefixes.temp)) scoped.session[key] = value;
  }
  return scoped;
}

/** Merges the persisted scopes into the one state object a Session carries, re-adding the prefixes. */
export function mergeState(scoped: ScopedState): SessionState {
  const state: SessionState = { ...scoped.session };
  for (const [key, value] of Object.entries(scoped.user)) state[statePrefixes.user + key] = value;
  for (const [key, value] of Object.entries(scoped.app)) state[statePrefixes.app + key] = value;
  return state;
}

/** Drops the `temp:` keys of a state object (before it is stored). */
export function withoutTempKeys(state: SessionState): SessionState {
  const result: SessionState = {};
  for (const [key, value] of Object.entries(state)) {
    if (!key.startsWith(statePrefixes.temp)) result[key] = value;
  }
  return result;
}

/** Tells whether a state object has at least one key. */
export function hasKeys(state: SessionState | undefined): state is SessionState {
  return state !== undefined && Object.keys(state).length > 0;
}

/**
 * Returns the session's state with an event's stateDelta applied, `temp:` keys included: the runner uses it
 * to keep its in-memory Session current for the rest of an invocation without reloading.
 */
export function applyStateDelta(
  state: SessionState,
  delta: SessionState | undefined,
): SessionState {
  return delta === undefined ? { ...state } : { ...state, ...delta };
}
