import type { Pool, PoolConnection, QueryOptions } from 'mariadb';
import {
  mysqlTimestamp,
  parseUtcTimestamp,
  type SqlDriver,
  type SqlRunner,
  type SqlStatement,
  batchInTransaction,
} from './sql-driver.js';

/** Column types whose text is a timestamp without zone (stored in UTC, as Prisma writes them). */
const timestampTypes = new Set(['DATETIME', 'TIMESTAMP']);

/**
 * Options of every statement: rows as objects, integers as numbers, DATETIME as text — the connector
 * would read it in the process's zone; `toUtcDates` reads it as UTC instead. (A `typeCast` callback
 * would do the same per value but costs about twice the whole read of a long history.)
 */
function options(sql: string): QueryOptions {
  return {
    sql,
    bigIntAsNumber: true,
    insertIdAsNumber: true,
    decimalAsNumber: true,
    dateStrings: true,
  };
}

interface ColumnMeta {
  name(): string;
  type: string;
}

/** Turns the DATETIME/TIMESTAMP text of each row into Dates, in place. */
function toUtcDates(rows: unknown): unknown {
  const meta = (rows as { meta?: ColumnMeta[] }).meta;
  if (!Array.isArray(rows) || meta === undefined) return rows;
  const columns = meta.filter((column) => timestampTypes.has(column.type)).map((c) => c.name());
  if (columns.length === 0) return rows;
  for (const row of rows as Record<string, unknown>[]) {
    for (const column of columns) {
      const text = row[column];
      if (typeof text === 'string') row[column] = parseUtcTimestamp(text);
    }
  }
  return rows;
}

/** The connector binds a Date in the process's zone; bind UTC text instead, as Prisma's adapter does. */
function bind(values: readonly unknown[] | undefined): unknown[] {
  return values === undefined
    ? []
    : values.map((value) => (value instanceof Date ? mysqlTimestamp(value) : value));
}

interface WriteResult {
  affectedRows?: number;
}

function runnerOn(client: Pool | PoolConnection): SqlRunner {
  return {
    query: async <T>(text: string, values?: readonly unknown[]) =>
      toUtcDates(await client.query(options(text), bind(values))) as T[],
    execute: async (text, values) =>
      Number(((await client.query(options(text), bind(values))) as WriteResult).affectedRows ?? 0),
  };
}

/** The MySQL/MariaDB driver on the Prisma adapter's MariaDB connector pool (text protocol, like its queries). */
export function createMysqlSqlDriver(pool: Pool): SqlDriver {
  const transaction = async <T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> => {
    const connection = await pool.getConnection();
    try {
      await connection.beginTransaction();
      try {
        const result = await work(runnerOn(connection));
        await connection.commit();
        return result;
      } catch (error) {
        await connection.rollback().catch(() => undefined);
        throw error;
      }
    } finally {
      await connection.release().catch(() => undefined);
    }
  };
  return {
    provider: 'mysql',
    ...runnerOn(pool),
    transaction,
    batch: (statements: readonly SqlStatement[]) => batchInTransaction(transaction, statements),
  };
}
