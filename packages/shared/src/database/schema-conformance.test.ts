// Proves the hand-written migrations create exactly what the rendered Prisma schemas describe:
// tables, columns (type, nullability, default), primary keys, indexes with Prisma's names, foreign
// keys with ON DELETE CASCADE — by reading prisma/generated/<schema>-<provider>.prisma and
// introspecting a freshly migrated database on every provider.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseProviders, type TestDatabase } from '../testing/index.js';
import { defaultPoolConfig } from './connection-settings.js';
import type { DatabaseProvider, DatabaseSchemaName } from './database-types.js';
import { migrateDatabase } from './migrations/migrate-database.js';
import {
  openMigrationConnection,
  type MigrationConnection,
} from './migrations/migration-connection.js';
import { findMigrationsRoot } from './migrations/read-migrations.js';
import { parseDatabaseUrl } from './parse-database-url.js';

interface ColumnShape {
  type: string;
  nullable: boolean;
  hasDefault: boolean;
}
interface TableShape {
  columns: Record<string, ColumnShape>;
  primaryKey: string[];
  indexes: Record<string, { columns: string[]; unique: boolean }>;
  foreignKeys: string[];
}
type SchemaShape = Record<string, TableShape>;

const repositoryRoot = join(findMigrationsRoot(), '..', '..');

// ---- What the Prisma schema says -------------------------------------------------------------

function expectedShape(schema: DatabaseSchemaName, provider: DatabaseProvider): SchemaShape {
  const text = readFileSync(
    join(repositoryRoot, 'prisma', 'generated', `${schema}-${provider}.prisma`),
    'utf8',
  );
  const models = [...text.matchAll(/^model (\w+) \{\n([\s\S]*?)^\}/gm)].map((match) => ({
    name: match[1] ?? '',
    body: match[2] ?? '',
  }));
  const modelNames = new Set(models.map((model) => model.name));
  const tableOf = new Map(
    models.map((m) => [m.name, /@@map\("(\w+)"\)/.exec(m.body)?.[1] ?? m.name]),
  );
  const shape: SchemaShape = {};
  for (const model of models) {
    const table = tableOf.get(model.name) ?? model.name;
    const columnOf = new Map<string, string>();
    const result: TableShape = { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [] };
    const relations: Array<{ type: string; attributes: string }> = [];
    for (const raw of model.body.split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      const field = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
      if (!field || line.startsWith('@@')) continue;
      const [, name = '', type = '', list, optional, attributes = ''] = field;
      if (modelNames.has(type)) {
        if (!list) relations.push({ type, attributes });
        continue;
      }
      const column = /@map\("(\w+)"\)/.exec(attributes)?.[1] ?? name;
      columnOf.set(name, column);
      result.columns[column] = {
        type: nativeType(provider, type, attributes),
        nullable: optional === '?',
        hasDefault: attributes.includes('@default('),
      };
      if (/@id\b/.test(attributes)) result.primaryKey = [column];
    }
    const columns = (list: string): string[] =>
      list.split(',').map((name) => columnOf.get(name.trim()) ?? name);
    for (const [, list = ''] of model.body.matchAll(/@@id\(\[([^\]]+)\]\)/g))
      result.primaryKey = columns(list);
    for (const [, kind, list = ''] of model.body.matchAll(/@@(unique|index)\(\[([^\]]+)\]\)/g)) {
      const cols = columns(list);
      const unique = kind === 'unique';
      result.indexes[`${table}_${cols.join('_')}_${unique ? 'key' : 'idx'}`] = {
        columns: cols,
        unique,
      };
    }
    for (const { type, attributes } of relations) {
      const relation = /fields: \[([^\]]+)\], references: \[([^\]]+)\](?:, onDelete: (\w+))?/.exec(
        attributes,
      );
      if (!relation) continue;
      const referencedModel = models.find((m) => m.name === type);
      const refColumns = (relation[2] ?? '').split(',').map((name) => {
        const mapped = new RegExp(`^\\s*${name.trim()}\\s+\\w+.*@map\\("(\\w+)"\\)`, 'm').exec(
          referencedModel?.body ?? '',
        );
        return mapped?.[1] ?? name.trim();
      });
      const onDelete = (relation[3] ?? 'Restrict').toUpperCase();
      const from = columns(relation[1] ?? '').join(',');
      result.foreignKeys.push(
        `${from}->${tableOf.get(type) ?? type}(${refColumns.join(',')}) ON DELETE ${onDelete}`,
      );
    }
    result.foreignKeys.sort();
    shape[table] = result;
  }
  return shape;
}

function nativeType(provider: DatabaseProvider, type: string, attributes: string): string {
  switch (provider) {
    case 'sqlite':
      return { String: 'TEXT', Int: 'INTEGER', DateTime: 'DATETIME' }[type] ?? type;
    case 'postgresql':
      return { String: 'text', Int: 'integer', DateTime: 'timestamp(3)' }[type] ?? type;
    case 'mysql':
      if (type === 'String')
        return attributes.includes('@db.LongText') ? 'longtext' : 'varchar(191)';
      return { Int: 'int', DateTime: 'datetime(3)' }[type] ?? type;
  }
}

// ---- What the database has -------------------------------------------------------------------

async function actualShape(connection: MigrationConnection): Promise<SchemaShape> {
  switch (connection.provider) {
    case 'sqlite':
      return sqliteShape(connection);
    case 'postgresql':
      return postgresqlShape(connection);
    case 'mysql':
      return mysqlShape(connection);
  }
}

async function sqliteShape(connection: MigrationConnection): Promise<SchemaShape> {
  const shape: SchemaShape = {};
  const tables = await connection.query(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'",
  );
  for (const { name } of tables) {
    const table = String(name);
    const result: TableShape = { columns: {}, primaryKey: [], indexes: {}, foreignKeys: [] };
    const info = await connection.query(`PRAGMA table_info("${table}")`);
    const pk = info.filter((c) => Number(c.pk) > 0).sort((a, b) => Number(a.pk) - Number(b.pk));
    const sql = String(
      (await connection.query('SELECT sql FROM sqlite_master WHERE name = ?', [table]))[0]?.sql,
    );
    for (const column of info) {
      const autoIncrement = pk.length === 1 && column.pk === 1 && /AUTOINCREMENT/i.test(sql);
      result.columns[String(column.name)] = {
        type: String(column.type),
        nullable: Number(column.notnull) === 0 && Number(column.pk) === 0,
        hasDefault: column.dflt_value !== null || autoIncrement,
      };
    }
    result.primaryKey = pk.map((c) => String(c.name));
    for (const index of await connection.query(`PRAGMA index_list("${table}")`)) {
      if (index.origin !== 'c') continue;
      const columns = await connection.query(`PRAGMA index_info("${String(index.name)}")`);
      result.indexes[String(index.name)] = {
        columns: columns.map((c) => String(c.name)),
        unique: Number(index.unique) === 1,
      };
    }
    const keys = await connection.query(`PRAGMA foreign_key_list("${table}")`);
    const byId = new Map<number, typeof keys>();
    for (const key of keys) byId.set(Number(key.id), [...(byId.get(Number(key.id)) ?? []), key]);
    for (const parts of byId.values()) {
      result.foreignKeys.push(
        `${parts.map((p) => String(p.from)).join(',')}->${String(parts[0]?.table)}(${parts.map((p) => String(p.to)).join(',')}) ON DELETE ${String(parts[0]?.on_delete)}`,
      );
    }
    result.foreignKeys.sort();
    shape[table] = result;
  }
  return shape;
}

async function postgresqlShape(connection: MigrationConnection): Promise<SchemaShape> {
  const shape: SchemaShape = {};
  const columns = await connection.query(
    `SELECT table_name, column_name, data_type, datetime_precision, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> '_prisma_migrations'`,
  );
  for (const column of columns) {
    const table = (shape[String(column.table_name)] ??= {
      columns: {},
      primaryKey: [],
      indexes: {},
      foreignKeys: [],
    });
    const type =
      column.data_type === 'timestamp without time zone'
        ? `timestamp(${String(column.datetime_precision)})`
        : String(column.data_type);
    table.columns[String(column.column_name)] = {
      type,
      nullable: column.is_nullable === 'YES',
      hasDefault: column.column_default !== null,
    };
  }
  const indexes = await connection.query(
    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> '_prisma_migrations'",
  );
  for (const index of indexes) {
    const table = shape[String(index.tablename)];
    const definition = String(index.indexdef);
    const columnList = (/\((.*)\)$/.exec(definition)?.[1] ?? '')
      .split(',')
      .map((c) => c.trim().replace(/"/g, ''));
    if (String(index.indexname).endsWith('_pkey')) {
      if (table) table.primaryKey = columnList;
      continue;
    }
    if (table)
      table.indexes[String(index.indexname)] = {
        columns: columnList,
        unique: definition.startsWith('CREATE UNIQUE'),
      };
  }
  const keys = await connection.query(
    `SELECT rel.relname AS table_name, pg_get_constraintdef(con.oid) AS definition
       FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid
      WHERE con.contype = 'f' AND rel.relnamespace = current_schema()::regnamespace`,
  );
  for (const key of keys) {
    const match = /FOREIGN KEY \((.+?)\) REFERENCES (\w+)\((.+?)\)(.*)$/.exec(
      String(key.definition),
    );
    const onDelete = /ON DELETE (\w+)/.exec(match?.[4] ?? '')?.[1] ?? 'NO ACTION';
    shape[String(key.table_name)]?.foreignKeys.push(
      `${(match?.[1] ?? '').replace(/ /g, '')}->${match?.[2] ?? ''}(${(match?.[3] ?? '').replace(/ /g, '')}) ON DELETE ${onDelete}`,
    );
  }
  for (const table of Object.values(shape)) table.foreignKeys.sort();
  return shape;
}

async function mysqlShape(connection: MigrationConnection): Promise<SchemaShape> {
  const shape: SchemaShape = {};
  const tableOptions = await connection.query(
    'SELECT table_name AS t, engine AS e, table_collation AS c FROM information_schema.tables WHERE table_schema = DATABASE()',
  );
  for (const table of tableOptions) {
    expect({ table: table.t, engine: table.e, collation: table.c }).toEqual({
      table: table.t,
      engine: 'InnoDB',
      // Ids are compared byte for byte ("Alice" and "alice" are different users); Prisma's own
      // bookkeeping table keeps the collation Prisma gives it.
      collation: table.t === '_prisma_migrations' ? 'utf8mb4_unicode_ci' : 'utf8mb4_bin',
    });
  }
  const columns = await connection.query(
    `SELECT table_name AS t, column_name AS c, data_type AS d, character_maximum_length AS l, datetime_precision AS p,
            is_nullable AS n, column_default AS dflt, extra AS x
       FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name <> '_prisma_migrations'`,
  );
  for (const column of columns) {
    const table = (shape[String(column.t)] ??= {
      columns: {},
      primaryKey: [],
      indexes: {},
      foreignKeys: [],
    });
    const dataType = String(column.d);
    const type =
      dataType === 'varchar'
        ? `varchar(${String(column.l)})`
        : dataType === 'datetime'
          ? `datetime(${String(column.p)})`
          : dataType;
    table.columns[String(column.c)] = {
      type,
      nullable: column.n === 'YES',
      // MariaDB reports a missing default of a nullable column as the string 'NULL'.
      hasDefault:
        (column.dflt !== null && column.dflt !== 'NULL') ||
        String(column.x).includes('auto_increment'),
    };
  }
  const statistics = await connection.query(
    `SELECT table_name AS t, index_name AS i, non_unique AS u, column_name AS c
       FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name <> '_prisma_migrations'
      ORDER BY table_name, index_name, seq_in_index`,
  );
  for (const row of statistics) {
    const table = shape[String(row.t)];
    if (!table) continue;
    if (row.i === 'PRIMARY') {
      table.primaryKey.push(String(row.c));
      continue;
    }
    const index = (table.indexes[String(row.i)] ??= { columns: [], unique: Number(row.u) === 0 });
    index.columns.push(String(row.c));
  }
  const keys = await connection.query(
    `SELECT k.table_name AS t, k.constraint_name AS name, k.column_name AS c, k.referenced_table_name AS rt,
            k.referenced_column_name AS rc, r.delete_rule AS d
       FROM information_schema.key_column_usage k
       JOIN information_schema.referential_constraints r
         ON r.constraint_schema = k.constraint_schema AND r.constraint_name = k.constraint_name
      WHERE k.table_schema = DATABASE() ORDER BY k.constraint_name, k.ordinal_position`,
  );
  const grouped = new Map<string, typeof keys>();
  for (const key of keys)
    grouped.set(String(key.name), [...(grouped.get(String(key.name)) ?? []), key]);
  for (const parts of grouped.values()) {
    shape[String(parts[0]?.t)]?.foreignKeys.push(
      `${parts.map((p) => String(p.c)).join(',')}->${String(parts[0]?.rt)}(${parts.map((p) => String(p.rc)).join(',')}) ON DELETE ${String(parts[0]?.d)}`,
    );
  }
  for (const table of Object.values(shape)) table.foreignKeys.sort();
  return shape;
}

// ---- The check -------------------------------------------------------------------------------

describe.each(testDatabaseProviders)('migrations on %s match the Prisma schemas', (provider) => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of databases) await database.drop();
  });

  it.each(['agent', 'gateway'] as const)('creates exactly the %s schema', async (schema) => {
    const database = await createTestDatabase(provider);
    databases.push(database);
    await migrateDatabase({ url: database.url, schema });
    const connection = await openMigrationConnection(
      parseDatabaseUrl(database.url),
      defaultPoolConfig,
    );
    try {
      const actual = await actualShape(connection);
      const expected = expectedShape(schema, provider);
      expect(Object.keys(expected).length).toBeGreaterThan(3);
      expect(actual).toEqual(expected);
    } finally {
      await connection.close();
    }
  });
});

describe('the conformance check', () => {
  it('notices a migration that misses an index', async () => {
    const root = mkdtempSync(join(tmpdir(), 'agent-mesh-migrations-'));
    const database = await createTestDatabase('sqlite');
    try {
      cpSync(findMigrationsRoot(), root, { recursive: true });
      const [folder] = readdirNames(join(root, 'agent', 'sqlite'));
      const file = join(root, 'agent', 'sqlite', folder ?? '', 'migration.sql');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(/CREATE INDEX "sessions_updated_at_idx"[^;]*;/, ''),
      );
      await migrateDatabase({ url: database.url, schema: 'agent', migrationsDir: root });
      const connection = await openMigrationConnection(
        parseDatabaseUrl(database.url),
        defaultPoolConfig,
      );
      const actual = await actualShape(connection).finally(() => connection.close());
      const expected = expectedShape('agent', 'sqlite');
      expect(actual).not.toEqual(expected);
      expect(Object.keys(actual.sessions?.indexes ?? {})).not.toContain('sessions_updated_at_idx');
      expect(Object.keys(expected.sessions?.indexes ?? {})).toContain('sessions_updated_at_idx');
    } finally {
      rmSync(root, { recursive: true, force: true });
      await database.drop();
    }
  });
});

function readdirNames(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
}
