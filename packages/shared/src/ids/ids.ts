import { randomUUID } from 'node:crypto';

const webSessionPattern =
  /^web-session-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Creates a gateway session id, `web-session-<uuid>`: the A2A contextId every agent of a chat shares. */
export function createWebSessionId(): string {
  return `web-session-${randomUUID()}`;
}

/** Tells whether a string is a well-formed gateway session id. */
export function isWebSessionId(value: string): boolean {
  return webSessionPattern.test(value);
}
