import type { DatabaseProvider } from '../database-types.js';

/** Runs single statements: rows of a query, or the number of rows a write changed. */
export interface SqlRunner {
  /**
   * The rows of a SELECT (or of a write with RETURNING) as objects keyed by column name. Integers come
   * back as numbers and timestamp columns as `Date`s, on every engine.
   */
  query<T>(text: string, values?: readonly unknown[]): Promise<T[]>;
  /** The number of rows an INSERT, UPDATE or DELETE changed. */
  execute(text: string, values?: readonly unknown[]): Promise<number>;
}

/** One statement with its positional parameters (`$1` on PostgreSQL, `?` on SQLite and MySQL). */
export interface SqlStatement {
  text: string;
  values: readonly unknown[];
}

/**
 * Direct access to the database's own driver (better-sqlite3, node-postgres, the MariaDB connector) on the
 * same connection or pool as the Prisma client, for the hot paths where Prisma's per-statement cost would
 * dominate (design.md §8: the session store must stay close to the raw driver). Values are bound as the
 * Prisma client binds them — `Date`s as UTC, in the text format each engine's Prisma adapter stores — so
 * rows written here and rows written through Prisma read back alike.
 *
 * Errors are the driver's own (SQLite `SQLITE_*` codes, PostgreSQL SQLSTATEs, MySQL errnos);
 * `isDatabaseUnavailableError` recognises the ones that mean the database is gone.
 */
export interface SqlDriver extends SqlRunner {
  readonly provider: DatabaseProvider;
  /**
   * Runs statements that need no reads in between in one transaction, all or nothing, and returns the
   * rows each changed. On SQLite it runs synchronously, so no other work of the process can slip in, and
   * the batches asked for in the same turn of the event loop share one commit (each in its own savepoint:
   * a failing batch changes nothing and the others still commit).
   */
  batch(statements: readonly SqlStatement[]): Promise<number[]>;
  /**
   * Runs `work` in one transaction on one connection (on SQLite `BEGIN IMMEDIATE`, taking the write lock
   * first) and commits, or rolls back and rethrows when `work` throws.
   */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

/**
 * `batch` for drivers with interactive transactions (PostgreSQL, MySQL): the statements one after the
 * other in one transaction.
 */
export function batchInTransaction(
  transaction: SqlDriver['transaction'],
  statements: readonly SqlStatement[],
): Promise<number[]> {
  return transaction(async (tx) => {
    const changed: number[] = [];
    for (const statement of statements)
      changed.push(await tx.execute(statement.text, statement.values));
    return changed;
  });
}

/** Turns a value into what the driver binds: `Date`s in UTC text, booleans as 0/1 where needed. */
export type BindValue = (value: unknown) => unknown;

/** ISO text with an explicit offset, as Prisma's SQLite adapter stores DateTime columns. */
export function sqliteTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC, as Prisma's MariaDB adapter binds DateTime values. */
export function mysqlTimestamp(date: Date): string {
  return date.toISOString().slice(0, 23).replace('T', ' ');
}

/**
 * Reads a UTC timestamp as the engines return it — `YYYY-MM-DD HH:MM:SS[.fff]` (PostgreSQL, MySQL) or
 * `YYYY-MM-DDTHH:MM:SS.fffZ` / `+00:00` (SQLite, as Prisma stores it) — as a Date. Digits are read
 * directly: a history read converts thousands of these, and `Date`'s own string parsing costs about a
 * microsecond each. Anything else (another offset, another shape) goes to `Date`'s parser.
 */
export function parseUtcTimestamp(text: string): Date {
  const length = text.length;
  const separator = text.charCodeAt(10);
  const suffix = text.slice(length - 6);
  const zoneLength = suffix === '+00:00' ? 6 : text.charCodeAt(length - 1) === 90 /* Z */ ? 1 : 0;
  const end = length - zoneLength;
  if (
    length < 19 ||
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    (separator !== 32 /* space */ && separator !== 84) /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58 ||
    (end > 19 && text.charCodeAt(19) !== 46) /* . */
  ) {
    return new Date(separator === 32 ? `${text.replace(' ', 'T')}Z` : text);
  }
  let milliseconds = 0;
  for (let index = 20, scale = 100; index < end; index += 1, scale /= 10) {
    // Digits past the third only refine below a millisecond; a non-digit (another offset) falls back.
    milliseconds += scale >= 1 ? digit(text, index) * scale : digit(text, index) * 0;
  }
  const time = Date.UTC(
    digits(text, 0, 4),
    digits(text, 5, 2) - 1,
    digits(text, 8, 2),
    digits(text, 11, 2),
    digits(text, 14, 2),
    digits(text, 17, 2),
    milliseconds,
  );
  return Number.isNaN(time)
    ? new Date(separator === 32 ? `${text.replace(' ', 'T')}Z` : text)
    : new Date(time);
}

/** The digit at `index`, or NaN (which then spoils the whole result) for anything else. */
function digit(text: string, index: number): number {
  const value = text.charCodeAt(index) - 48;
  return value >= 0 && value <= 9 ? value : Number.NaN;
}

function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let index = start; index < start + count; index += 1)
    value = value * 10 + digit(text, index);
  return value;
}
