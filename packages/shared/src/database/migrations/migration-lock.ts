import { createHash } from 'node:crypto';
import { MeshError } from '../../errors/mesh-error.js';
import type { Logger } from '../../logging/create-logger.js';
import type { DatabaseSchemaName } from '../database-types.js';
import type { MigrationConnection } from './migration-connection.js';

/** How long a process waits for another one to finish migrating before giving up. */
export const migrationLockTimeoutMs = 10 * 60_000;

/**
 * Runs `action` while holding the database-wide migration lock of one schema, so processes starting
 * together migrate one after the other: PostgreSQL `pg_advisory_lock` (a fixed key per schema, scoped
 * to the database), MySQL/MariaDB `GET_LOCK` (named after database and schema, since its names are
 * server-wide), SQLite `BEGIN EXCLUSIVE` (the whole run is one transaction, waiting on busy_timeout).
 */
export async function withMigrationLock<T>(
  connection: MigrationConnection,
  schema: DatabaseSchemaName,
  action: () => Promise<T>,
  logger?: Logger,
): Promise<T> {
  switch (connection.provider) {
    case 'postgresql':
      return withPostgresqlLock(connection, schema, action, logger);
    case 'mysql':
      return withMysqlLock(connection, schema, action, logger);
    case 'sqlite':
      return withSqliteLock(connection, action);
  }
}

/** The advisory lock key of a schema: a stable signed 64-bit number derived from its name. */
export function postgresqlLockKey(schema: DatabaseSchemaName): string {
  return createHash('sha256')
    .update(`agent-mesh:migrate:${schema}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

/** The GET_LOCK name of a schema in one database; MySQL caps lock names at 64 characters. */
export function mysqlLockName(database: string, schema: DatabaseSchemaName): string {
  const name = `agent-mesh:migrate:${schema}:${database}`;
  if (name.length <= 64) return name;
  return `agent-mesh:migrate:${schema}:${createHash('sha256').update(database).digest('hex').slice(0, 32)}`;
}

async function withPostgresqlLock<T>(
  connection: MigrationConnection,
  schema: DatabaseSchemaName,
  action: () => Promise<T>,
  logger?: Logger,
): Promise<T> {
  const key = postgresqlLockKey(schema);
  const [tried] = await connection.query('SELECT pg_try_advisory_lock(?::bigint) AS locked', [key]);
  if (tried?.locked !== true) {
    logger?.info({ schema }, 'Waiting for another process to finish migrating the database');
    await connection.query(`SET lock_timeout = ${migrationLockTimeoutMs}`);
    try {
      await connection.query('SELECT pg_advisory_lock(?::bigint)', [key]);
    } catch (error) {
      throw lockTimeout(connection, error);
    }
    await connection.query('SET lock_timeout = 0');
  }
  try {
    return await action();
  } finally {
    await connection.query('SELECT pg_advisory_unlock(?::bigint)', [key]).catch(() => undefined);
  }
}

async function withMysqlLock<T>(
  connection: MigrationConnection,
  schema: DatabaseSchemaName,
  action: () => Promise<T>,
  logger?: Logger,
): Promise<T> {
  const name = mysqlLockName(connection.parsed.database ?? '', schema);
  let [row] = await connection.query('SELECT GET_LOCK(?, 0) AS locked', [name]);
  if (Number(row?.locked) !== 1) {
    logger?.info({ schema }, 'Waiting for another process to finish migrating the database');
    [row] = await connection.query('SELECT GET_LOCK(?, ?) AS locked', [
      name,
      migrationLockTimeoutMs / 1000,
    ]);
    if (Number(row?.locked) !== 1) throw lockTimeout(connection, undefined);
  }
  try {
    return await action();
  } finally {
    await connection.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => undefined);
  }
}

async function withSqliteLock<T>(
  connection: MigrationConnection,
  action: () => Promise<T>,
): Promise<T> {
  try {
    await connection.query('BEGIN EXCLUSIVE');
  } catch (error) {
    throw lockTimeout(connection, error);
  }
  try {
    const result = await action();
    // Foreign keys are off while migrating (table rebuilds); check nothing was left dangling.
    const problems = await connection.query('PRAGMA foreign_key_check');
    if (problems.length > 0) {
      throw new MeshError(
        'MIGRATION_FAILED',
        `Migrating left ${problems.length} row(s) that break a foreign key (first: ${JSON.stringify(problems[0])}); nothing was applied.`,
      );
    }
    await connection.query('COMMIT');
    return result;
  } catch (error) {
    await connection.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function lockTimeout(connection: MigrationConnection, cause: unknown): MeshError {
  const reason = cause instanceof Error ? `: ${cause.message}` : '';
  return new MeshError(
    'MIGRATION_FAILED',
    `Timed out waiting for the migration lock on ${connection.parsed.redacted}${reason}. ` +
      'Another process is migrating this database; wait for it, or stop it if it is stuck.',
    { url: connection.parsed.redacted },
    { cause },
  );
}
