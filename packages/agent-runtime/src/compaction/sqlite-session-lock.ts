import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionKey } from '../sessions/session-service.js';
import type { LockDatabase } from './lock-database.js';
import {
  lockWaitTimeout,
  resolveLockTimings,
  sessionLockDigest,
  type SessionLock,
  type SessionLockOptions,
} from './session-lock.js';

/** The table the SQLite lock keeps its leases in; created on first use (see SqliteSessionLock). */
export const sqliteLockTable = 'agent_mesh_session_locks';

/** How long a lease lasts without renewal: a holder that died frees the lock after this at the latest. */
export const defaultSqliteLeaseMs = 30_000;

/**
 * A session lock shared by every process using one SQLite file: a lease row per locked session. Taking
 * it is one `INSERT OR IGNORE` on the row's primary key, which SQLite's single writer makes atomic across
 * processes; the holder renews the lease while it works and deletes the row when done, and an expired
 * lease (a crashed holder) is cleared by the next taker. Holding a write transaction instead would
 * block every writer of the file, appends of other sessions included, for the whole summarisation.
 */
export class SqliteSessionLock implements SessionLock {
  readonly kind = 'sqlite' as const;
  private readonly waitTimeoutMs: number;
  private readonly holdTimeoutMs: number;
  private readonly leaseMs: number;
  private tableReady: Promise<void> | undefined;

  constructor(
    private readonly database: LockDatabase,
    private readonly options: SessionLockOptions & { leaseMs?: number } = {},
  ) {
    ({ waitTimeoutMs: this.waitTimeoutMs, holdTimeoutMs: this.holdTimeoutMs } =
      resolveLockTimings(options));
    this.leaseMs = options.leaseMs ?? defaultSqliteLeaseMs;
  }

  async withLock<T>(key: SessionKey, action: () => Promise<T>): Promise<T> {
    await this.ensureTable();
    const lockKey = sessionLockDigest(key).toString('hex');
    const holder = randomUUID();
    await this.acquire(key, lockKey, holder);
    const stopRenewing = this.renewWhileHeld(key, lockKey, holder);
    try {
      return await action();
    } finally {
      stopRenewing();
      await this.database.client
        .$executeRawUnsafe(
          `DELETE FROM ${sqliteLockTable} WHERE lock_key = ? AND holder = ?`,
          lockKey,
          holder,
        )
        .catch((error: unknown) => {
          this.options.logger?.warn(
            { err: error, ...key },
            'Could not release the compaction lock; it expires on its own',
          );
        });
    }
  }

  private async acquire(key: SessionKey, lockKey: string, holder: string): Promise<void> {
    const deadline = Date.now() + this.waitTimeoutMs;
    let pause = 10;
    for (;;) {
      const now = Date.now();
      await this.database.client.$executeRawUnsafe(
        `DELETE FROM ${sqliteLockTable} WHERE lock_key = ? AND expires_at < ?`,
        lockKey,
        now,
      );
      const inserted = await this.database.client.$executeRawUnsafe(
        `INSERT OR IGNORE INTO ${sqliteLockTable} (lock_key, holder, expires_at) VALUES (?, ?, ?)`,
        lockKey,
        holder,
        now + this.leaseMs,
      );
      if (inserted === 1) {
        this.options.logger?.debug({ ...key }, 'Session compaction lock taken');
        return;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw lockWaitTimeout(key, this.waitTimeoutMs);
      await sleep(Math.min(pause, remaining));
      pause = Math.min(pause * 2, 200);
    }
  }

  /** Extends the lease every third of its length until stopped, or until the hold timeout is reached. */
  private renewWhileHeld(key: SessionKey, lockKey: string, holder: string): () => void {
    const heldUntil = Date.now() + this.holdTimeoutMs;
    const timer = setInterval(
      () => {
        const now = Date.now();
        if (now >= heldUntil) {
          clearInterval(timer);
          this.options.logger?.warn(
            { ...key },
            'Compaction held its lock past the hold timeout; letting the lease expire',
          );
          return;
        }
        this.database.client
          .$executeRawUnsafe(
            `UPDATE ${sqliteLockTable} SET expires_at = ? WHERE lock_key = ? AND holder = ?`,
            now + this.leaseMs,
            lockKey,
            holder,
          )
          .then((updated) => {
            if (updated !== 1)
              this.options.logger?.warn(
                { ...key },
                'The compaction lock lease was lost while held',
              );
          })
          .catch((error: unknown) => {
            this.options.logger?.warn(
              { err: error, ...key },
              'Could not renew the compaction lock lease',
            );
          });
      },
      Math.max(1, Math.floor(this.leaseMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * Creates the lease table when missing. It is runtime bookkeeping, not data, so it lives outside the
   * Prisma schema: a migration diff ignores it and dropping it loses nothing but current leases.
   */
  private ensureTable(): Promise<void> {
    this.tableReady ??= this.database.client
      .$executeRawUnsafe(
        `CREATE TABLE IF NOT EXISTS ${sqliteLockTable} (` +
          'lock_key TEXT NOT NULL PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL)',
      )
      .then(() => undefined)
      .catch((error: unknown) => {
        this.tableReady = undefined;
        throw error;
      });
    return this.tableReady;
  }
}
