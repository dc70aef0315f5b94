import type { Pool, PoolClient, QueryConfig, types as pgTypes } from 'pg';
import {
  parseUtcTimestamp,
  type SqlDriver,
  type SqlRunner,
  type SqlStatement,
  batchInTransaction,
} from './sql-driver.js';

/** PostgreSQL type OIDs we parse ourselves. */
const timestampOid = 1114; // timestamp without time zone
const int8Oid = 20;

type TypeParsers = NonNullable<QueryConfig['types']>;

/**
 * Result parsers: `timestamp(3)` columns hold UTC wall time (as Prisma writes them), so read them as UTC
 * rather than in the process's zone; bigint counts as numbers; everything else as node-postgres does.
 */
function typeParsers(defaults: typeof pgTypes): TypeParsers {
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (oid === timestampOid) return (text: string) => parseUtcTimestamp(text);
      if (oid === int8Oid) return (text: string) => Number(text);
      return defaults.getTypeParser(oid, format);
    }) as TypeParsers['getTypeParser'],
  };
}

/** Names of server-side prepared statements, by text; bounded so dynamic texts cannot grow it forever. */
const preparedNames = new Map<string, string>();
const preparedNameLimit = 1000;

function config(
  text: string,
  values: readonly unknown[] | undefined,
  types: TypeParsers,
): QueryConfig {
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < preparedNameLimit) {
    name = `agent_mesh_${preparedNames.size + 1}`;
    preparedNames.set(text, name);
  }
  return {
    text,
    values: values === undefined ? [] : values.map(bind),
    types,
    ...(name === undefined ? {} : { name }),
  };
}

/** node-postgres binds a Date in the process's zone; our timestamp columns hold UTC, as Prisma writes. */
function bind(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

function runnerOn(client: Pool | PoolClient, types: TypeParsers): SqlRunner {
  return {
    query: async <T>(text: string, values?: readonly unknown[]) =>
      (await client.query(config(text, values, types))).rows as T[],
    execute: async (text, values) =>
      (await client.query(config(text, values, types))).rowCount ?? 0,
  };
}

/**
 * The PostgreSQL driver on the Prisma adapter's node-postgres pool. Statements are prepared on the server
 * once per connection (named by their text), so a hot statement is parsed and planned once.
 */
export function createPostgresSqlDriver(pool: Pool, defaults: typeof pgTypes): SqlDriver {
  const types = typeParsers(defaults);
  const onPool = runnerOn(pool, types);
  const transaction = async <T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        const result = await work(runnerOn(client, types));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          // The connection is unusable (e.g. terminated): drop it instead of returning it to the pool.
          broken =
            rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw error;
      }
    } finally {
      client.release(broken);
    }
  };
  return {
    provider: 'postgresql',
    ...onPool,
    transaction,
    batch: (statements: readonly SqlStatement[]) => batchInTransaction(transaction, statements),
  };
}
