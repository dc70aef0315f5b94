import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PoolConfig } from '../../config/agent-config.js';
import type { Logger } from '../../logging/create-logger.js';
import { createMariaDbSettings, createPgSettings } from '../connection-settings.js';
import { isMissingDatabaseError, toUnavailableError } from '../database-errors.js';
import type { DatabaseProvider, ParsedDatabaseUrl } from '../database-types.js';
import { applySqlitePragmas } from '../apply-sqlite-pragmas.js';
import { createMissingDatabase } from './create-missing-database.js';

/** A row as a plain object keyed by column name. */
export type Row = Record<string, unknown>;

/**
 * One dedicated connection for the migration runner: locks are per session, so everything runs on
 * the same connection. SQL uses `?` placeholders on every provider (rewritten to `$n` for PostgreSQL).
 */
export interface MigrationConnection {
  readonly provider: DatabaseProvider;
  readonly parsed: ParsedDatabaseUrl;
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

/** How long a migrating SQLite connection waits for another process's lock before giving up. */
export const sqliteMigrationBusyTimeoutMs = 60_000;

/**
 * Opens the runner's connection. SQLite: creates the folder, switches the file to WAL and turns
 * foreign keys off for the run (table rebuilds must not cascade). PostgreSQL and MySQL/MariaDB:
 * creates the database when it does not exist yet, as `prisma migrate deploy` does.
 */
export async function openMigrationConnection(
  parsed: ParsedDatabaseUrl,
  pool: PoolConfig,
  options: { logger?: Logger; createMissing?: boolean } = {},
): Promise<MigrationConnection> {
  const createMissing = options.createMissing ?? true;
  try {
    switch (parsed.provider) {
      case 'sqlite':
        return await openSqlite(parsed);
      case 'postgresql':
        return await retryOnMissingDatabase(parsed, pool, options.logger, createMissing, () =>
          openPostgresql(parsed, pool),
        );
      case 'mysql':
        return await retryOnMissingDatabase(parsed, pool, options.logger, createMissing, () =>
          openMysql(parsed, pool),
        );
    }
  } catch (error) {
    throw toUnavailableError(parsed, error);
  }
}

async function retryOnMissingDatabase(
  parsed: ParsedDatabaseUrl,
  pool: PoolConfig,
  logger: Logger | undefined,
  createMissing: boolean,
  open: () => Promise<MigrationConnection>,
): Promise<MigrationConnection> {
  try {
    return await open();
  } catch (error) {
    if (!createMissing || !isMissingDatabaseError(error)) throw error;
    await createMissingDatabase(parsed, pool, logger);
    return await open();
  }
}

async function openSqlite(parsed: ParsedDatabaseUrl): Promise<MigrationConnection> {
  const path = parsed.sqlitePath ?? ':memory:';
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path, { timeout: sqliteMigrationBusyTimeoutMs });
  try {
    await applySqlitePragmas(
      db,
      ['PRAGMA journal_mode = WAL', 'PRAGMA foreign_keys = OFF'],
      sqliteMigrationBusyTimeoutMs,
    );
  } catch (error) {
    db.close();
    throw error;
  }
  return {
    provider: 'sqlite',
    parsed,
    query(sql, params = []) {
      const statement = db.prepare(sql);
      if (statement.reader) return Promise.resolve(statement.all(...params) as Row[]);
      statement.run(...params);
      return Promise.resolve([]);
    },
    close() {
      db.close();
      return Promise.resolve();
    },
  };
}

async function openPostgresql(
  parsed: ParsedDatabaseUrl,
  pool: PoolConfig,
): Promise<MigrationConnection> {
  const { default: pg } = await import('pg');
  const client = new pg.Client(createPgSettings(parsed, pool));
  // An idle-connection error (server restart) must not crash the process; the next query reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return {
    provider: 'postgresql',
    parsed,
    async query(sql, params = []) {
      let index = 0;
      const text = params.length === 0 ? sql : sql.replace(/\?/g, () => `$${++index}`);
      const result = await client.query(text, params.length === 0 ? undefined : [...params]);
      return result.rows as Row[];
    },
    async close() {
      await client.end();
    },
  };
}

async function openMysql(
  parsed: ParsedDatabaseUrl,
  pool: PoolConfig,
): Promise<MigrationConnection> {
  const mariadb = await import('mariadb');
  const settings = createMariaDbSettings(parsed, pool);
  const connection = await mariadb.createConnection({
    ...settings,
    connectTimeout: settings.connectTimeout,
    bigIntAsNumber: true,
    insertIdAsNumber: true,
  });
  connection.on('error', () => undefined);
  return {
    provider: 'mysql',
    parsed,
    async query(sql, params = []) {
      const result: unknown = await connection.query(sql, [...params]);
      return Array.isArray(result) ? (result as Row[]) : [];
    },
    async close() {
      await connection.end();
    },
  };
}
