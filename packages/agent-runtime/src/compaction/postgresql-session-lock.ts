import type { SessionKey } from '../sessions/session-service.js';
import type { LockDatabase } from './lock-database.js';
import {
  lockWaitTimeout,
  resolveLockTimings,
  sessionLockDigest,
  type SessionLock,
  type SessionLockOptions,
} from './session-lock.js';

/**
 * A session lock shared by every process on one PostgreSQL database: a transaction-scoped advisory
 * lock (`pg_advisory_xact_lock`) on a 64-bit digest of the session key, taken inside an interactive
 * transaction that holds one pooled connection for as long as the action runs. PostgreSQL releases it
 * when that transaction ends — commit, rollback, or the connection dying with its process.
 */
export class PostgresqlSessionLock implements SessionLock {
  readonly kind = 'postgresql' as const;
  private readonly waitTimeoutMs: number;
  private readonly holdTimeoutMs: number;

  constructor(
    private readonly database: LockDatabase,
    private readonly options: SessionLockOptions = {},
  ) {
    ({ waitTimeoutMs: this.waitTimeoutMs, holdTimeoutMs: this.holdTimeoutMs } =
      resolveLockTimings(options));
  }

  async withLock<T>(key: SessionKey, action: () => Promise<T>): Promise<T> {
    const lockKey = sessionLockDigest(key).readBigInt64BE(0).toString();
    return this.database.client.$transaction(
      async (transaction) => {
        // lock_timeout bounds the wait for an advisory lock like any other lock; SET LOCAL ends with the
        // transaction, so the pooled connection goes back unchanged.
        await transaction.$executeRawUnsafe(`SET LOCAL lock_timeout = ${this.waitTimeoutMs}`);
        try {
          await transaction.$executeRawUnsafe('SELECT pg_advisory_xact_lock($1::bigint)', lockKey);
        } catch (error) {
          if (isLockTimeout(error)) throw lockWaitTimeout(key, this.waitTimeoutMs, error);
          throw error;
        }
        await transaction.$executeRawUnsafe('SET LOCAL lock_timeout = 0');
        this.options.logger?.debug({ ...key, lockKey }, 'Session compaction lock taken');
        return action();
      },
      { maxWait: this.waitTimeoutMs, timeout: this.waitTimeoutMs + this.holdTimeoutMs },
    );
  }
}

/** PostgreSQL reports an expired lock_timeout as SQLSTATE 55P03 "canceling statement due to lock timeout". */
function isLockTimeout(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 5; depth += 1) {
    if (typeof current !== 'object' || current === null) return false;
    const record = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      originalCode?: unknown;
    };
    if (record.code === '55P03' || record.originalCode === '55P03') return true;
    if (typeof record.message === 'string' && /lock timeout/i.test(record.message)) return true;
    current = record.cause;
  }
  return false;
}
