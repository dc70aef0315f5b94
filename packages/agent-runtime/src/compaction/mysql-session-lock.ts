import { createHash } from 'node:crypto';
import type { SessionKey } from '../sessions/session-service.js';
import type { LockDatabase, RawSql } from './lock-database.js';
import {
  lockWaitTimeout,
  resolveLockTimings,
  sessionLockDigest,
  type SessionLock,
  type SessionLockOptions,
} from './session-lock.js';

/**
 * A session lock shared by every process on one MySQL/MariaDB database: `GET_LOCK(name, timeout)` and
 * `RELEASE_LOCK(name)`. Those locks belong to a connection, so both run inside one interactive
 * transaction — the only way to keep one pooled connection — and the lock is released before that
 * connection goes back to the pool. Lock names are server-wide, so the name includes the database.
 */
export class MysqlSessionLock implements SessionLock {
  readonly kind = 'mysql' as const;
  private readonly waitTimeoutMs: number;
  private readonly holdTimeoutMs: number;
  private databaseName: Promise<string> | undefined;

  constructor(
    private readonly database: LockDatabase,
    private readonly options: SessionLockOptions = {},
  ) {
    ({ waitTimeoutMs: this.waitTimeoutMs, holdTimeoutMs: this.holdTimeoutMs } =
      resolveLockTimings(options));
  }

  async withLock<T>(key: SessionKey, action: () => Promise<T>): Promise<T> {
    const name = await this.lockName(key);
    // GET_LOCK takes whole seconds; never wait less than asked.
    const waitSeconds = Math.max(1, Math.ceil(this.waitTimeoutMs / 1000));
    return this.database.client.$transaction(
      async (transaction) => {
        const rows = await transaction.$queryRawUnsafe<{ acquired: unknown }[]>(
          'SELECT GET_LOCK(?, ?) AS acquired',
          name,
          waitSeconds,
        );
        // 1: taken; 0: timed out; NULL: an error (e.g. the connection was killed).
        if (Number(rows[0]?.acquired) !== 1) throw lockWaitTimeout(key, this.waitTimeoutMs);
        this.options.logger?.debug({ ...key, lockName: name }, 'Session compaction lock taken');
        try {
          return await action();
        } finally {
          await this.release(transaction, name, key);
        }
      },
      { maxWait: this.waitTimeoutMs, timeout: this.waitTimeoutMs + this.holdTimeoutMs },
    );
  }

  private async release(transaction: RawSql, name: string, key: SessionKey): Promise<void> {
    try {
      await transaction.$queryRawUnsafe('SELECT RELEASE_LOCK(?) AS released', name);
    } catch (error) {
      // The lock dies with the connection at the latest; say so, since a pooled connection may live on.
      this.options.logger?.warn(
        { err: error, ...key, lockName: name },
        'Could not release the compaction lock',
      );
    }
  }

  /** `agent-mesh:compaction:` plus 40 hex digits of (database, session key): 62 of MySQL's 64 characters. */
  private async lockName(key: SessionKey): Promise<string> {
    this.databaseName ??= this.database.client
      .$queryRawUnsafe<{ name: string | null }[]>('SELECT DATABASE() AS name')
      .then((rows) => rows[0]?.name ?? '');
    const databaseName = await this.databaseName;
    const digest = createHash('sha256')
      .update(databaseName)
      .update(sessionLockDigest(key))
      .digest('hex')
      .slice(0, 40);
    return `agent-mesh:compaction:${digest}`;
  }
}
