import type { SessionKey } from '../sessions/session-service.js';
import { InProcessSessionLock } from './in-process-session-lock.js';
import type { LockDatabase } from './lock-database.js';
import { MysqlSessionLock } from './mysql-session-lock.js';
import { PostgresqlSessionLock } from './postgresql-session-lock.js';
import type { SessionLock, SessionLockOptions } from './session-lock.js';
import { resolveLockTimings } from './session-lock.js';
import { SqliteSessionLock } from './sqlite-session-lock.js';

/**
 * Creates the compaction lock for an agent's session store: with a database, that database's lock (shared
 * by every process and replica on it) behind an in-process queue, so callers in one process wait in
 * memory instead of each holding a pooled connection; without one (the memory session service), the
 * in-process lock alone.
 */
export function createSessionLock(
  database: LockDatabase | null | undefined,
  options: SessionLockOptions = {},
): SessionLock {
  const { waitTimeoutMs } = resolveLockTimings(options);
  const local = new InProcessSessionLock({ waitTimeoutMs });
  if (database === null || database === undefined) return local;
  const shared = createDatabaseLock(database, options);
  return {
    kind: shared.kind,
    withLock<T>(key: SessionKey, action: () => Promise<T>): Promise<T> {
      return local.withLock(key, () => shared.withLock(key, action));
    },
  };
}

function createDatabaseLock(database: LockDatabase, options: SessionLockOptions): SessionLock {
  switch (database.provider) {
    case 'postgresql':
      return new PostgresqlSessionLock(database, options);
    case 'mysql':
      return new MysqlSessionLock(database, options);
    case 'sqlite':
      return new SqliteSessionLock(database, options);
  }
}
