import { timingSafeEqual } from 'node:crypto';

/**
 * Tells whether an `Authorization` header carries `Bearer <token>` for exactly this token, comparing in
 * constant time; the A2A endpoints and the management API share it (agent.auth.token).
 */
export function bearerTokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (match?.[1] === undefined) return false;
  const given = Buffer.from(match[1].trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
