import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { isMeshError, type MeshError } from '../../errors/mesh-error.js';
import {
  createTestDatabase,
  testDatabaseProviders,
  type TestDatabase,
} from '../../testing/index.js';
import type { DatabaseProvider } from '../database-types.js';
import { parseDatabaseUrl } from '../parse-database-url.js';
import { migrateDatabase } from './migrate-database.js';
import { openMigrationConnection, type MigrationConnection } from './migration-connection.js';
import { computeMigrationChecksum, findMigrationsRoot, readMigrations } from './read-migrations.js';
import { defaultPoolConfig } from '../connection-settings.js';

const shippedRoot = findMigrationsRoot();
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function newDatabase(provider: DatabaseProvider, create = true): Promise<TestDatabase> {
  const database = await createTestDatabase(provider, { create });
  cleanups.push(() => database.drop());
  return database;
}

/** Copies the shipped migrations to a temp folder a test may edit. */
function copyMigrations(): string {
  const root = mkdtempSync(join(tmpdir(), 'agent-mesh-migrations-'));
  cpSync(shippedRoot, root, { recursive: true });
  cleanups.push(() => Promise.resolve(rmSync(root, { recursive: true, force: true })));
  return root;
}

function addMigration(
  root: string,
  provider: DatabaseProvider,
  name: string,
  script: string,
): string {
  const folder = join(root, 'agent', provider, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'migration.sql'), script);
  return join(folder, 'migration.sql');
}

async function withConnection<T>(
  url: string,
  use: (connection: MigrationConnection) => Promise<T>,
): Promise<T> {
  const connection = await openMigrationConnection(parseDatabaseUrl(url), defaultPoolConfig);
  try {
    return await use(connection);
  } finally {
    await connection.close();
  }
}

async function rejection(promise: Promise<unknown>): Promise<MeshError> {
  const error: unknown = await promise.then(
    () => new Error('expected a rejection'),
    (reason: unknown) => reason,
  );
  if (!isMeshError(error)) throw error;
  return error;
}

function tableExists(
  provider: DatabaseProvider,
  connection: MigrationConnection,
  table: string,
): Promise<boolean> {
  const sql =
    provider === 'sqlite'
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?"
      : provider === 'postgresql'
        ? 'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?'
        : 'SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?';
  return connection.query(sql, [table]).then((rows) => rows.length === 1);
}

describe.each(testDatabaseProviders)('migrateDatabase on %s', (provider) => {
  const agentShipped = readMigrations(shippedRoot, 'agent', provider).map((m) => m.name);
  const [agentInit] = readMigrations(shippedRoot, 'agent', provider);

  it('migrates an empty database and records it in _prisma_migrations as Prisma does', async () => {
    const database = await newDatabase(provider);
    const result = await migrateDatabase({ url: database.url, schema: 'agent' });
    expect(result).toEqual({ provider, applied: agentShipped, alreadyApplied: [] });

    const rows = await withConnection(database.url, (connection) =>
      connection.query(
        'SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count FROM _prisma_migrations',
      ),
    );
    // One row per shipped migration; the first one checked field by field.
    expect(rows).toHaveLength(agentShipped.length);
    const row = rows.find((item) => item.migration_name === agentInit?.name) ?? {};
    expect(row.migration_name).toBe(agentInit?.name);
    expect(row.checksum).toBe(
      computeMigrationChecksum(
        readFileSync(
          join(shippedRoot, 'agent', provider, String(agentInit?.name), 'migration.sql'),
        ),
      ),
    );
    expect(String(row.id)).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.finished_at).not.toBeNull();
    expect(row.rolled_back_at).toBeNull();
    expect(row.logs).toBeNull();
    expect(Number(row.applied_steps_count)).toBe(1);
    if (provider === 'sqlite') expect(typeof row.finished_at).toBe('number'); // Unix ms, like Prisma
  });

  it('does nothing when run again', async () => {
    const database = await newDatabase(provider);
    await migrateDatabase({ url: database.url, schema: 'gateway' });
    const again = await migrateDatabase({ url: database.url, schema: 'gateway' });
    const shipped = readMigrations(shippedRoot, 'gateway', provider).map((m) => m.name);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(shipped);
    const count = await withConnection(database.url, (connection) =>
      connection.query('SELECT COUNT(*) AS n FROM _prisma_migrations'),
    );
    // One row per shipped migration: running again recorded nothing twice.
    expect(Number(count[0]?.n)).toBe(shipped.length);
  });

  it('refuses to start when an applied migration was edited, naming it and both checksums', async () => {
    const database = await newDatabase(provider);
    await migrateDatabase({ url: database.url, schema: 'agent' });
    const root = copyMigrations();
    const file = join(root, 'agent', provider, String(agentInit?.name), 'migration.sql');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- edited after it was applied\n`);

    const error = await rejection(
      migrateDatabase({ url: database.url, schema: 'agent', migrationsDir: root }),
    );
    expect(error.code).toBe('MIGRATION_CHECKSUM_MISMATCH');
    expect(error.message).toContain(String(agentInit?.name));
    expect(error.message).toContain(String(agentInit?.checksum));
    expect(error.message).toContain(computeMigrationChecksum(readFileSync(file)));
  });

  it('applies a new migration after the applied ones', async () => {
    const database = await newDatabase(provider);
    await migrateDatabase({ url: database.url, schema: 'agent' });
    const root = copyMigrations();
    addMigration(
      root,
      provider,
      '20991231000000_add_notes',
      'CREATE TABLE notes (id INTEGER NOT NULL);\n',
    );
    const result = await migrateDatabase({
      url: database.url,
      schema: 'agent',
      migrationsDir: root,
    });
    expect(result.applied).toEqual(['20991231000000_add_notes']);
    expect(result.alreadyApplied).toEqual(agentShipped);
  });

  it('reports a failing migration with its file, line and statement', async () => {
    const database = await newDatabase(provider);
    await migrateDatabase({ url: database.url, schema: 'agent' });
    const root = copyMigrations();
    const file = addMigration(
      root,
      provider,
      '20991231000000_broken',
      '-- first statement works\nCREATE TABLE half_done (id INTEGER);\n\nCREATE TABLE sessions (id INTEGER);\n',
    );
    const error = await rejection(
      migrateDatabase({ url: database.url, schema: 'agent', migrationsDir: root }),
    );
    expect(error.code).toBe('MIGRATION_FAILED');
    expect(error.message).toContain('20991231000000_broken');
    expect(error.message).toContain('migration.sql:4');
    expect(error.message).toContain('CREATE TABLE sessions (id INTEGER)');
    expect(error.details.file).toBe(file);

    const { halfDone, rows } = await withConnection(database.url, async (connection) => ({
      halfDone: await tableExists(provider, connection, 'half_done'),
      rows: await connection.query(
        "SELECT finished_at, logs FROM _prisma_migrations WHERE migration_name = '20991231000000_broken'",
      ),
    }));
    if (provider === 'mysql') {
      // DDL auto-commits on MySQL: the failure is recorded (as Prisma does) and blocks the next start.
      expect(halfDone).toBe(true);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.finished_at).toBeNull();
      expect(String(rows[0]?.logs)).toContain('CREATE TABLE sessions');
      const again = await rejection(
        migrateDatabase({ url: database.url, schema: 'agent', migrationsDir: root }),
      );
      expect(again.code).toBe('MIGRATION_FAILED');
      expect(again.message).toContain('never finished');
    } else {
      expect(halfDone).toBe(false);
      expect(rows).toHaveLength(0);
    }
  });

  it('refuses a database that already holds the other schema', async () => {
    const database = await newDatabase(provider);
    await migrateDatabase({ url: database.url, schema: 'gateway' });
    const error = await rejection(migrateDatabase({ url: database.url, schema: 'agent' }));
    expect(error.code).toBe('MIGRATION_FAILED');
    expect(error.message).toContain('already holds the gateway database');
  });

  if (provider === 'sqlite') {
    it('creates the folder of the SQLite file and switches it to WAL', async () => {
      const database = await newDatabase('sqlite');
      const file = join(`${database.name}.d`, 'nested', 'deeper', 'agent.db');
      cleanups.push(() =>
        Promise.resolve(rmSync(`${database.name}.d`, { recursive: true, force: true })),
      );
      await migrateDatabase({ url: `sqlite:///${file}`, schema: 'agent' });
      expect(existsSync(file)).toBe(true);
      const db = new Database(file, { readonly: true });
      try {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        db.close();
      }
    });
  } else {
    it('creates a database that does not exist yet', async () => {
      const database = await newDatabase(provider, false);
      const result = await migrateDatabase({ url: database.url, schema: 'agent' });
      expect(result.applied).toEqual(agentShipped);
    });

    it('reports an unreachable server as DATABASE_UNAVAILABLE naming host, port and database', async () => {
      const scheme = provider === 'postgresql' ? 'postgresql' : 'mysql';
      const url = `${scheme}://someone:hunter2@127.0.0.1:9/agent_mesh`;
      const error = await rejection(
        migrateDatabase({ url, schema: 'agent', pool: { connect_timeout_ms: 2000 } }),
      );
      expect(error.code).toBe('DATABASE_UNAVAILABLE');
      expect(error.message).toContain('"agent_mesh" at 127.0.0.1:9');
      expect(error.message).toContain('ECONNREFUSED');
      expect(error.message).not.toContain('hunter2');
    });
  }
});
