import { resolve } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import {
  parseUtcTimestamp,
  sqliteTimestamp,
  type SqlDriver,
  type SqlRunner,
  type SqlStatement,
} from './sql-driver.js';

/** Prepared statements kept per connection; our callers use a few dozen distinct texts. */
const statementCacheSize = 500;

/** How long to wait for a transaction another part of the process has open on the connection. */
const foreignTransactionWaitMs = 10_000;

/** A batch waiting for its group's transaction. */
interface PendingBatch {
  statements: readonly SqlStatement[];
  resolve(changes: number[]): void;
  reject(error: unknown): void;
}

/** Work waiting for one SQLite file in this process, shared by every connection to it. */
interface FileQueue {
  tail: Promise<unknown>;
  pending: number;
}

/**
 * One queue per file and process: a connection whose write waits for another connection of the same
 * process would wait synchronously (better-sqlite3's busy timeout), stalling the event loop that has to
 * finish the other connection's transaction.
 */
const fileQueues = new Map<string, FileQueue>();

function queueFor(path: string): FileQueue {
  const file = path === ':memory:' ? null : resolve(path);
  let queue = file === null ? undefined : fileQueues.get(file);
  if (queue === undefined) {
    queue = { tail: Promise.resolve(), pending: 0 };
    if (file !== null) fileQueues.set(file, queue);
  }
  return queue;
}

/**
 * The SQLite driver on the better-sqlite3 connection the Prisma adapter opened (one per database and
 * process: a second connection of the same process would wait for the first one's write lock
 * synchronously, stalling the event loop that has to finish that transaction).
 *
 * Single statements and batches run synchronously — nothing else of the process can run in between — and
 * at once when the connection is free. An interactive `transaction` holds the connection across awaits, so
 * while one is open everything else of this driver queues behind it; a transaction Prisma opened on the
 * connection is waited out the same way (better-sqlite3 reports it through `inTransaction`). The queue is
 * shared by every connection of the process to the same file (`path`).
 */
export function createSqliteSqlDriver(path: string, connection: () => Database): SqlDriver {
  const statements = new Map<string, Statement>();
  const dateColumns = new WeakMap<Statement, string[]>();
  let preparedOn: Database | null = null;
  const queue = queueFor(path);

  const prepare = (text: string): Statement => {
    const db = connection();
    if (db !== preparedOn) {
      // Reconnected: statements belong to the connection that prepared them.
      statements.clear();
      preparedOn = db;
    }
    let statement = statements.get(text);
    if (statement === undefined) {
      statement = db.prepare(text);
      // The Prisma adapter turns safe integers on for the connection; our rows want plain numbers.
      if (statement.reader) statement.safeIntegers(false);
      if (statements.size >= statementCacheSize) statements.clear();
      statements.set(text, statement);
    }
    return statement;
  };

  const bind = (values: readonly unknown[] = []): unknown[] =>
    values.map((value) =>
      value instanceof Date
        ? sqliteTimestamp(value)
        : typeof value === 'boolean'
          ? Number(value)
          : value === undefined
            ? null
            : value,
    );

  /** The rows of a query, timestamp columns (declared DATETIME, as Prisma makes them) as Dates. */
  const readRows = <T>(text: string, values?: readonly unknown[]): T[] => {
    const statement = prepare(text);
    const rows = statement.all(...bind(values)) as Record<string, unknown>[];
    let columns = dateColumns.get(statement);
    if (columns === undefined) {
      columns = statement
        .columns()
        .filter((column) => column.type !== null && /^(DATETIME|TIMESTAMP)$/i.test(column.type))
        .map((column) => column.name);
      dateColumns.set(statement, columns);
    }
    if (columns.length > 0) {
      for (const row of rows) {
        for (const column of columns) {
          const value = row[column];
          if (typeof value === 'string') row[column] = parseUtcTimestamp(value);
          else if (typeof value === 'number') row[column] = new Date(value);
        }
      }
    }
    return rows as T[];
  };

  const runner: SqlRunner = {
    query: <T>(text: string, values?: readonly unknown[]) =>
      Promise.resolve(readRows<T>(text, values)),
    execute: (text: string, values?: readonly unknown[]) =>
      Promise.resolve(prepare(text).run(...bind(values)).changes),
  };

  /** Runs work after everything queued before it, once no transaction is open on the connection. */
  const enqueue = <T>(work: () => T | Promise<T>): Promise<T> => {
    queue.pending += 1;
    const result = queue.tail.then(async () => {
      await waitForForeignTransaction(connection());
      return work();
    });
    queue.tail = result.then(
      () => (queue.pending -= 1),
      () => (queue.pending -= 1),
    );
    return result;
  };

  /** Runs work at once when nothing is queued and no transaction is open, else in turn. */
  const whenFree = <T>(work: () => T): Promise<T> => {
    if (queue.pending > 0 || connection().inTransaction) return enqueue(work);
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(error as Error);
    }
  };

  /** Runs one batch's statements; they change nothing when one of them throws. */
  const runStatements = (list: readonly SqlStatement[]): number[] =>
    list.map((statement) => prepare(statement.text).run(...bind(statement.values)).changes);

  /**
   * Group commit: the batches asked for in one turn of the event loop (concurrent appends) share one
   * transaction, each inside its own savepoint so one that fails leaves the others in; a lone batch is a
   * plain transaction. Every caller hears after the commit, so nothing is reported stored before it is.
   */
  let group: PendingBatch[] | null = null;
  const flushGroup = (): void => {
    const batches = group ?? [];
    group = null;
    whenFree(() => runGroup(batches)).catch((error: unknown) => {
      for (const batch of batches) batch.reject(error);
    });
  };
  const runGroup = (batches: PendingBatch[]): void => {
    const outcomes: ({ changes: number[] } | { error: unknown })[] = [];
    prepare('BEGIN IMMEDIATE').run();
    try {
      if (batches.length === 1) {
        outcomes.push({ changes: runStatements(batches[0]!.statements) });
      } else {
        for (const batch of batches) {
          prepare('SAVEPOINT agent_mesh_batch').run();
          try {
            outcomes.push({ changes: runStatements(batch.statements) });
          } catch (error) {
            prepare('ROLLBACK TO agent_mesh_batch').run();
            outcomes.push({ error });
          }
          prepare('RELEASE agent_mesh_batch').run();
        }
      }
      prepare('COMMIT').run();
    } catch (error) {
      if (connection().inTransaction) prepare('ROLLBACK').run();
      throw error;
    }
    batches.forEach((batch, index) => {
      const outcome = outcomes[index]!;
      if ('changes' in outcome) batch.resolve(outcome.changes);
      else batch.reject(outcome.error);
    });
  };

  return {
    provider: 'sqlite',
    query: <T>(text: string, values?: readonly unknown[]) =>
      whenFree(() => readRows<T>(text, values)),
    execute: (text, values) => whenFree(() => prepare(text).run(...bind(values)).changes),
    batch: (list: readonly SqlStatement[]) =>
      new Promise<number[]>((resolve, reject) => {
        if (group === null) {
          group = [];
          queueMicrotask(flushGroup);
        }
        group.push({ statements: list, resolve, reject });
      }),
    transaction: <T>(work: (tx: SqlRunner) => Promise<T>) =>
      enqueue(async () => {
        const db = connection();
        prepare('BEGIN IMMEDIATE').run();
        try {
          const result = await work(runner);
          prepare('COMMIT').run();
          return result;
        } catch (error) {
          if (db.inTransaction) prepare('ROLLBACK').run();
          throw error;
        }
      }),
  };
}

/** Waits (without blocking the event loop) until no transaction is open on the connection. */
async function waitForForeignTransaction(db: Database): Promise<void> {
  const deadline = Date.now() + foreignTransactionWaitMs;
  while (db.inTransaction) {
    if (Date.now() > deadline) {
      throw Object.assign(
        new Error(
          'SQLite connection busy: another transaction of this process stayed open too long',
        ),
        { code: 'SQLITE_BUSY' },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
