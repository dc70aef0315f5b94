import type { Delegation } from '../runner/runner-types.js';

const mentionPattern = /^\s*@([a-z0-9][a-z0-9_-]{0,62})[\s:,]+(\S[\s\S]*)$/i;
const askPattern = /^\s*ask\s+([a-z0-9][a-z0-9_-]{0,62})\s*:\s*(\S[\s\S]*)$/i;

/**
 * Reads the deterministic delegation trigger of a user message: `@researcher <text>` or
 * `ask researcher: <text>` (name case-insensitive) forwards `<text>` to that peer. Returns undefined when
 * the message has no trigger or names an agent that is not a peer, so such messages reach the model.
 */
export function parseDelegation(text: string, peerNames: Iterable<string>): Delegation | undefined {
  const match = mentionPattern.exec(text) ?? askPattern.exec(text);
  if (match === null) return undefined;
  const [, rawName, rest] = match;
  if (rawName === undefined || rest === undefined) return undefined;
  const wanted = rawName.toLowerCase();
  for (const name of peerNames) {
    if (name.toLowerCase() === wanted) return { peer: name, text: rest.trim() };
  }
  return undefined;
}
