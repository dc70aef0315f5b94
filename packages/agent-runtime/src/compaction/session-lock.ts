import { createHash } from 'node:crypto';
import { MeshError, type Logger } from '@agent-mesh/shared';
import type { SessionKey } from '../sessions/session-service.js';

/**
 * Serialises compactions of one session: while one caller holds the lock of a key, every other caller
 * (in this process or, for the database locks, in any process on the same database) waits.
 */
export interface SessionLock {
  /** Where the lock lives: `memory` (this process only) or the database provider. */
  readonly kind: 'memory' | 'postgresql' | 'mysql' | 'sqlite';
  /**
   * Runs `action` while holding the lock of `key` and returns its result; waits for the lock at most the
   * configured wait time, then throws MeshError CONFLICT. The lock is released when `action` settles.
   */
  withLock<T>(key: SessionKey, action: () => Promise<T>): Promise<T>;
}

/** Timing of a database session lock. */
export interface SessionLockOptions {
  /** How long to wait for another holder before giving up with CONFLICT (default 120 s). */
  waitTimeoutMs?: number;
  /**
   * The longest a holder may keep the lock (default 10 min): a summarisation call is bounded by the
   * model's timeout, so this is only a backstop against a hung holder.
   */
  holdTimeoutMs?: number;
  logger?: Logger;
}

/** The defaults of SessionLockOptions. */
export const defaultLockTimings = { waitTimeoutMs: 120_000, holdTimeoutMs: 600_000 } as const;

/**
 * A stable digest of a session key, the same in every process: what the database locks are named
 * after. JSON keeps the three parts apart, so ("a", "b:c") and ("a:b", "c") never collide.
 */
export function sessionLockDigest(key: SessionKey, scope = 'compaction'): Buffer {
  return createHash('sha256')
    .update(JSON.stringify(['agent-mesh', scope, key.appName, key.userId, key.sessionId]))
    .digest();
}

/** The CONFLICT error for a lock that stayed taken longer than the caller would wait. */
export function lockWaitTimeout(
  key: SessionKey,
  waitTimeoutMs: number,
  cause?: unknown,
): MeshError {
  return new MeshError(
    'CONFLICT',
    `Another compaction of session "${key.sessionId}" (user "${key.userId}", agent "${key.appName}") ` +
      `was still running after ${Math.round(waitTimeoutMs / 1000)} s; try again when it has finished.`,
    { appName: key.appName, userId: key.userId, sessionId: key.sessionId, waitTimeoutMs },
    cause === undefined ? undefined : { cause },
  );
}

/** Resolves the timing options with their defaults, checking they are positive integers. */
export function resolveLockTimings(options: SessionLockOptions): {
  waitTimeoutMs: number;
  holdTimeoutMs: number;
} {
  const waitTimeoutMs = options.waitTimeoutMs ?? defaultLockTimings.waitTimeoutMs;
  const holdTimeoutMs = options.holdTimeoutMs ?? defaultLockTimings.holdTimeoutMs;
  for (const [name, value] of Object.entries({ waitTimeoutMs, holdTimeoutMs })) {
    if (!Number.isInteger(value) || value < 1) {
      throw new MeshError(
        'REQUEST_INVALID',
        `${name} must be a positive integer of milliseconds, got ${value}.`,
        {
          field: name,
        },
      );
    }
  }
  return { waitTimeoutMs, holdTimeoutMs };
}
