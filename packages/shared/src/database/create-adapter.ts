import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { Database as BetterSqliteDatabase } from 'better-sqlite3';
import type { PrismaMariaDb } from '@prisma/adapter-mariadb';
import type { PrismaPg } from '@prisma/adapter-pg';
import type { PoolConfig } from '../config/agent-config.js';
import type { Logger } from '../logging/create-logger.js';
import {
  createMariaDbSettings,
  createPgSettings,
  sqliteBusyTimeoutMs,
} from './connection-settings.js';
import { applySqlitePragmas } from './apply-sqlite-pragmas.js';
import {
  sqliteFallbackAutocheckpointPages,
  startSqliteCheckpointer,
  type SqliteCheckpointer,
} from './sqlite-checkpointer.js';
import type { DatabasePoolStats, ParsedDatabaseUrl } from './database-types.js';
import {
  createMysqlSqlDriver,
  createPostgresSqlDriver,
  createSqliteSqlDriver,
  type SqlDriver,
} from './sql-driver/index.js';

/** A Prisma driver adapter factory for one of our providers. */
export type DatabaseAdapter = PrismaBetterSqlite3 | PrismaPg | PrismaMariaDb;

/** The adapter, a way to end its pool when the client never got to own it (a failed connect), and pool usage. */
export interface CreatedAdapter {
  adapter: DatabaseAdapter;
  endPool(): Promise<void>;
  /** The pool's size and use now, as far as the driver tells. */
  poolStats(): DatabasePoolStats;
  /** Direct driver access on the adapter's own connection or pool (usable once the client connected). */
  driver: SqlDriver;
  /** Stops what runs beside the connection (the SQLite checkpoint thread); after the client disconnected. */
  stopBackground(): Promise<void>;
}

/**
 * Per-connection SQLite settings: WAL so readers never block the writer, NORMAL sync (durable at
 * checkpoints, safe with WAL), foreign keys on (cascades), and a busy timeout so concurrent
 * processes wait for the write lock instead of failing with SQLITE_BUSY.
 */
export const sqliteConnectionPragmas = [
  'PRAGMA journal_mode = WAL',
  'PRAGMA synchronous = NORMAL',
  'PRAGMA foreign_keys = ON',
  `PRAGMA busy_timeout = ${sqliteBusyTimeoutMs}`,
] as const;

/**
 * Creates the driver adapter for a parsed URL, loading only that provider's driver: better-sqlite3
 * (creating the file's folder), a node-postgres pool, or a MariaDB connector pool (MySQL too), with
 * the pool sizes and timeouts from `pool`.
 */
export async function createAdapter(
  parsed: ParsedDatabaseUrl,
  pool: PoolConfig,
  logger?: Logger,
): Promise<CreatedAdapter> {
  switch (parsed.provider) {
    case 'sqlite': {
      const path = parsed.sqlitePath ?? ':memory:';
      const inFile = path !== ':memory:';
      if (inFile) mkdirSync(dirname(path), { recursive: true });
      const { PrismaBetterSqlite3 } = await import('@prisma/adapter-better-sqlite3');
      let connection: BetterSqliteDatabase | undefined;
      const checkpointers: SqliteCheckpointer[] = [];
      const stopBackground = async (): Promise<void> => {
        await Promise.all(checkpointers.splice(0).map((checkpointer) => checkpointer.stop()));
      };
      // The adapter opens the connection itself; apply the pragmas on every connection it opens, and
      // keep it for the direct driver (one connection per file and process, see createSqliteSqlDriver).
      // A file's WAL is checkpointed by a background thread instead of inside a commit.
      class ConfiguredSqliteAdapter extends PrismaBetterSqlite3 {
        override async connect(): ReturnType<PrismaBetterSqlite3['connect']> {
          const adapter = await super.connect();
          connection = beginTransactionsImmediately(adapter);
          await applySqlitePragmas(
            connection,
            inFile
              ? [
                  ...sqliteConnectionPragmas,
                  `PRAGMA wal_autocheckpoint = ${sqliteFallbackAutocheckpointPages}`,
                ]
              : sqliteConnectionPragmas,
            sqliteBusyTimeoutMs,
          );
          if (inFile) {
            checkpointers.push(
              startSqliteCheckpointer(path, {
                busyTimeoutMs: sqliteBusyTimeoutMs,
                ...(logger ? { logger } : {}),
              }),
            );
          }
          return adapter;
        }
      }
      const adapter = new ConfiguredSqliteAdapter({ url: path, timeout: sqliteBusyTimeoutMs });
      // better-sqlite3 is one synchronous connection per client: there is no pool to size.
      return {
        adapter,
        stopBackground,
        endPool: stopBackground,
        poolStats: () => ({ provider: 'sqlite', max: 1 }),
        driver: createSqliteSqlDriver(path, () => {
          if (connection === undefined)
            throw new Error('The SQLite database is not connected yet.');
          return connection;
        }),
      };
    }
    case 'postgresql': {
      const [{ PrismaPg }, { default: pg }] = await Promise.all([
        import('@prisma/adapter-pg'),
        import('pg'),
      ]);
      const pgPool = new pg.Pool(createPgSettings(parsed, pool));
      // The pool listens for errors only on idle clients. A connection the server terminates while it
      // is checked out (between the statements of a transaction) would emit 'error' with no listener
      // and crash the process; with this one the next query fails (DATABASE_UNAVAILABLE) and the
      // pool drops the dead client on release.
      pgPool.on('connect', (client) => {
        client.on('error', (error) =>
          logger?.debug({ err: error }, 'PostgreSQL connection lost while in use'),
        );
      });
      const schema = parsed.params.schema;
      const adapter = new PrismaPg(pgPool, {
        disposeExternalPool: true,
        ...(schema !== undefined && schema !== '' ? { schema } : {}),
        onPoolError: (error) => logger?.warn({ err: error }, 'PostgreSQL pool connection error'),
      });
      return {
        adapter,
        endPool: () =>
          endOnce(
            () => pgPool.end(),
            () => pgPool.ended,
          ),
        poolStats: () => ({
          provider: 'postgresql',
          max: pool.max_connections,
          open: pgPool.totalCount,
          inUse: pgPool.totalCount - pgPool.idleCount,
          idle: pgPool.idleCount,
          waiting: pgPool.waitingCount,
        }),
        driver: createPostgresSqlDriver(pgPool, pg.types),
        stopBackground: () => Promise.resolve(),
      };
    }
    case 'mysql': {
      const [{ PrismaMariaDb }, mariadb] = await Promise.all([
        import('@prisma/adapter-mariadb'),
        import('mariadb'),
      ]);
      // Our own pool (with the adapter's prepareCacheLength 0), so a failed first connect can end it:
      // the adapter leaves its pool retrying in the background when its version probe fails.
      const mariaDbPool = mariadb.createPool({
        ...createMariaDbSettings(parsed, pool),
        prepareCacheLength: 0,
      });
      let ended = false;
      const adapter = new PrismaMariaDb(mariaDbPool, { disposeExternalPool: true });
      return {
        adapter,
        endPool: () =>
          endOnce(
            async () => {
              ended = true;
              await mariaDbPool.end();
            },
            () => ended || mariaDbPool.closed,
          ),
        poolStats: () => ({
          provider: 'mysql',
          max: pool.max_connections,
          open: mariaDbPool.totalConnections(),
          inUse: mariaDbPool.activeConnections(),
          idle: mariaDbPool.idleConnections(),
          waiting: mariaDbPool.taskQueueSize(),
        }),
        driver: createMysqlSqlDriver(mariaDbPool),
        stopBackground: () => Promise.resolve(),
      };
    }
  }
}

/**
 * Makes the adapter open its transactions with BEGIN IMMEDIATE instead of a plain (deferred) BEGIN.
 * In WAL mode a deferred transaction that has read and then writes while another process holds the
 * write lock fails with SQLITE_BUSY at once, without waiting for the busy timeout (the other writer
 * could invalidate what it read); an immediate one takes the write lock first, so it waits like a
 * single statement does. Prisma runs its writes of several statements in such transactions.
 *
 * When the lock is still held after the busy timeout, the transaction falls back to a deferred BEGIN,
 * which cannot fail: the adapter does not release its transaction mutex when BEGIN throws, which would
 * leave every later transaction of the process waiting forever. The deferred transaction then fails
 * on its first write with SQLITE_BUSY and is rolled back as usual.
 */
function beginTransactionsImmediately(adapter: unknown): BetterSqliteDatabase {
  type Statement = { run(): unknown };
  const database = (adapter as { client?: BetterSqliteDatabase }).client;
  const prepare = database?.prepare?.bind(database);
  if (database === undefined || prepare === undefined) {
    throw new Error('The SQLite adapter has no better-sqlite3 client to configure.');
  }
  const patched = (sql: string): Statement => {
    if (sql !== 'BEGIN') return prepare(sql);
    return {
      run: () => {
        try {
          return prepare('BEGIN IMMEDIATE').run();
        } catch (error) {
          const code = String((error as { code?: unknown }).code ?? '');
          if (!code.startsWith('SQLITE_BUSY') && !code.startsWith('SQLITE_LOCKED')) throw error;
          return prepare('BEGIN').run();
        }
      },
    };
  };
  database.prepare = patched as BetterSqliteDatabase['prepare'];
  return database;
}

async function endOnce(end: () => Promise<void>, isEnded: () => boolean): Promise<void> {
  if (isEnded()) return;
  await end().catch(() => undefined);
}
