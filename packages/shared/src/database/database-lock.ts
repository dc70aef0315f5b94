import { createHash } from 'node:crypto';
import type { PoolConfig } from '../config/agent-config.js';
import type { Logger } from '../logging/create-logger.js';
import { resolvePoolConfig } from './connection-settings.js';
import { openMigrationConnection } from './migrations/migration-connection.js';
import { parseDatabaseUrl } from './parse-database-url.js';

/** Where a database lock lives: the database URL from YAML (and its pool settings, for timeouts). */
export interface DatabaseLockTarget {
  url: string;
  pool?: Partial<PoolConfig>;
  logger?: Logger;
}

/** What tryWithDatabaseLock did: ran the action (with its value), or found the lock taken and skipped it. */
export type DatabaseLockOutcome<T> = { acquired: true; value: T } | { acquired: false };

/** The PostgreSQL advisory lock key of a lock name: a stable signed 64-bit number. */
export function postgresqlAdvisoryKey(name: string): string {
  return createHash('sha256')
    .update(`agent-mesh:lock:${name}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

/** The MySQL/MariaDB GET_LOCK name of a lock in one database (lock names are server-wide, at most 64 characters). */
export function mysqlNamedLock(database: string, name: string): string {
  const plain = `agent-mesh:${name}:${database}`;
  if (plain.length <= 64) return plain;
  return `agent-mesh:${createHash('sha256').update(`${name}\0${database}`).digest('hex').slice(0, 48)}`;
}

/**
 * Runs `action` only if no other process holds the lock `name` on this database, for work that one
 * instance at a time should do (a scheduled prune): PostgreSQL `pg_try_advisory_lock`, MySQL/MariaDB
 * `GET_LOCK(name, 0)`, both on a dedicated connection held while the action runs (not a transaction, so
 * no snapshot or row lock is kept open) and released with the connection if the process dies. SQLite
 * has one writer per file anyway, so the action simply runs. Never waits: a taken lock returns
 * `{ acquired: false }`.
 */
export async function tryWithDatabaseLock<T>(
  target: DatabaseLockTarget,
  name: string,
  action: () => Promise<T>,
): Promise<DatabaseLockOutcome<T>> {
  const parsed = parseDatabaseUrl(target.url);
  if (parsed.provider === 'sqlite') return { acquired: true, value: await action() };
  const pool = resolvePoolConfig(parsed, target.pool);
  const connection = await openMigrationConnection(parsed, pool, { createMissing: false });
  try {
    if (connection.provider === 'postgresql') {
      const key = postgresqlAdvisoryKey(name);
      const [row] = await connection.query('SELECT pg_try_advisory_lock(?::bigint) AS locked', [
        key,
      ]);
      if (row?.locked !== true) return { acquired: false };
      try {
        return { acquired: true, value: await action() };
      } finally {
        await connection
          .query('SELECT pg_advisory_unlock(?::bigint)', [key])
          .catch((error: unknown) =>
            target.logger?.warn({ err: error, lock: name }, 'could not release a database lock'),
          );
      }
    }
    const lockName = mysqlNamedLock(parsed.database ?? '', name);
    const [row] = await connection.query('SELECT GET_LOCK(?, 0) AS locked', [lockName]);
    if (Number(row?.locked) !== 1) return { acquired: false };
    try {
      return { acquired: true, value: await action() };
    } finally {
      await connection
        .query('SELECT RELEASE_LOCK(?)', [lockName])
        .catch((error: unknown) =>
          target.logger?.warn({ err: error, lock: name }, 'could not release a database lock'),
        );
    }
  } finally {
    await connection.close().catch(() => undefined);
  }
}
