import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createMariaDbSettings,
  createPgSettings,
  defaultPoolConfig,
} from '../database/connection-settings.js';
import type { DatabaseProvider } from '../database/database-types.js';
import { parseDatabaseUrl } from '../database/parse-database-url.js';

/** A database made for one test run: its URL, and `drop()` to remove it afterwards. */
export interface TestDatabase {
  provider: DatabaseProvider;
  /** A URL `openDatabase` and `agent-mesh migrate` accept. */
  url: string;
  /** The database (server) or file path (SQLite), for assertions and messages. */
  name: string;
  /** Removes the database (closing other sessions on PostgreSQL) or the SQLite folder. */
  drop(): Promise<void>;
}

/** Options of createTestDatabase. */
export interface CreateTestDatabaseOptions {
  /** false: only pick a unique name, so the code under test must create it (default true). */
  create?: boolean;
}

/**
 * Every provider the contract suites run against: sqlite, postgresql, mysql (MariaDB), or the
 * comma-separated subset in TEST_DATABASE_PROVIDERS (e.g. `sqlite` on a machine without servers).
 */
export const testDatabaseProviders: readonly DatabaseProvider[] = readProviders();

/** Admin URL of the test PostgreSQL server; override with TEST_POSTGRES_URL (must name a database). */
export const testPostgresAdminUrl =
  process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Admin URL of the test MySQL/MariaDB server; override with TEST_MYSQL_URL (must name a database). */
export const testMysqlAdminUrl = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql';

/**
 * Creates a uniquely named empty database for a test: `am_test_<random>` on the running PostgreSQL or
 * MySQL/MariaDB server, or a SQLite file in a fresh temp folder. Call `drop()` in afterAll.
 */
export async function createTestDatabase(
  provider: DatabaseProvider,
  options: CreateTestDatabaseOptions = {},
): Promise<TestDatabase> {
  const name = `am_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  switch (provider) {
    case 'sqlite': {
      const folder = mkdtempSync(join(tmpdir(), 'agent-mesh-test-'));
      const file = join(folder, `${name}.db`);
      return {
        provider,
        url: `sqlite:///${file}`,
        name: file,
        drop: () => Promise.resolve(rmSync(folder, { recursive: true, force: true })),
      };
    }
    case 'postgresql': {
      if (options.create !== false) await runPostgresAdmin(`CREATE DATABASE "${name}"`);
      return {
        provider,
        url: withDatabase(testPostgresAdminUrl, name),
        name,
        drop: () => runPostgresAdmin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      };
    }
    case 'mysql': {
      if (options.create !== false) {
        await runMysqlAdmin(
          `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        );
      }
      return {
        provider,
        url: withDatabase(testMysqlAdminUrl, name),
        name,
        drop: () => runMysqlAdmin(`DROP DATABASE IF EXISTS \`${name}\``),
      };
    }
  }
}

/** Replaces the database name in a server URL, keeping credentials and query parameters. */
export function withDatabase(url: string, database: string): string {
  const match = /^([^:]+:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/.exec(url);
  if (!match) throw new Error(`Not a server database URL: ${url}`);
  return `${match[1]}/${database}${match[3] ?? ''}`;
}

async function runPostgresAdmin(sql: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client(
    createPgSettings(parseDatabaseUrl(testPostgresAdminUrl), defaultPoolConfig),
  );
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function runMysqlAdmin(sql: string): Promise<void> {
  const mariadb = await import('mariadb');
  const connection = await mariadb.createConnection(
    createMariaDbSettings(parseDatabaseUrl(testMysqlAdminUrl), defaultPoolConfig),
  );
  try {
    await connection.query(sql);
  } finally {
    await connection.end();
  }
}

function readProviders(): DatabaseProvider[] {
  const all: DatabaseProvider[] = ['sqlite', 'postgresql', 'mysql'];
  const wanted = process.env.TEST_DATABASE_PROVIDERS;
  if (wanted === undefined || wanted.trim() === '') return all;
  const names = wanted.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !all.includes(name as DatabaseProvider));
  if (unknown.length > 0) {
    throw new Error(`TEST_DATABASE_PROVIDERS has unknown provider(s): ${unknown.join(', ')}`);
  }
  return all.filter((provider) => names.includes(provider));
}
