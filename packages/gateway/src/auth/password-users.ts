import { createHash, randomBytes } from 'node:crypto';
import type { SessionData } from 'express-session';
import type { GatewayUserConfig } from '@agent-mesh/shared';
import { parsePasswordHash, verifyPassword, type PasswordHash } from './password-hash.js';

/** Who a signed-in browser session belongs to (kept in the express-session record). */
export interface PasswordSession {
  username: string;
  /**
   * A fingerprint of the user's hash at sign-in: changing the password in YAML signs the user out.
   */
  credential: string;
}

/** A user of password mode as the rest of the gateway sees it. */
export interface PasswordUser {
  id: string;
  name: string;
}

interface Entry {
  hash: PasswordHash;
  credential: string;
}

/** The user id of a password-mode (or header-mode) user: `user:<name>`. */
export function userIdOf(username: string): string {
  return `user:${username}`;
}

/**
 * The users of `gateway.auth.users` with their parsed scrypt hashes: checks a username and password
 * (unknown names cost the same scrypt work as known ones, so timing does not tell which exist) and
 * tells which user a browser session belongs to.
 */
export class PasswordUsers {
  private readonly entries = new Map<string, Entry>();
  /** A hash of a random secret with the first user's cost, checked for unknown names. */
  private readonly decoy: PasswordHash;

  /** Parses every hash now, so a bad one stops the start with CONFIG_INVALID naming its user. */
  constructor(users: readonly GatewayUserConfig[]) {
    users.forEach((user, index) => {
      const hash = parsePasswordHash(
        user.password_hash,
        `gateway.auth.users[${index}].password_hash (user ${user.username})`,
      );
      const credential = createHash('sha256')
        .update(user.password_hash)
        .digest('base64url')
        .slice(0, 16);
      this.entries.set(user.username, { hash, credential });
    });
    const first = this.entries.values().next().value?.hash;
    this.decoy = {
      N: first?.N ?? 16_384,
      r: first?.r ?? 8,
      p: first?.p ?? 1,
      salt: randomBytes(16),
      key: randomBytes(first?.key.length ?? 32),
    };
  }

  /** Checks a sign-in; returns what the session must hold, or null for a wrong name or password. */
  async verify(username: string, password: string): Promise<PasswordSession | null> {
    const entry = this.entries.get(username);
    const matches = await verifyPassword(password, entry?.hash ?? this.decoy);
    if (!entry || !matches) return null;
    return { username, credential: entry.credential };
  }

  /**
   * The user a session was signed in as, or null when it is not signed in, the user was removed or
   * their password changed.
   */
  userOfSession(session: Partial<SessionData> | undefined): PasswordUser | null {
    const username = session?.username;
    if (typeof username !== 'string') return null;
    const entry = this.entries.get(username);
    if (!entry || session?.credential !== entry.credential) return null;
    return { id: userIdOf(username), name: username };
  }
}
