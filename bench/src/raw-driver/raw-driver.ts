import type { DatabaseProvider } from '@agent-mesh/shared';

/** An event row exactly as the `events` table holds it (JSON columns as text). */
export interface RawEventRow {
  sessionPk: number;
  seq: number;
  id: string;
  invocationId: string;
  author: string;
  messageId: string | null;
  content: string | null;
  actions: string | null;
  usage: string | null;
  timestamp: Date;
}

/** A session row exactly as the `sessions` table holds it (pk assigned by the database). */
export interface RawSessionRow {
  appName: string;
  userId: string;
  id: string;
  state: string;
  lastSeq: number;
  compactionSeq: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The reference side of every session-store benchmark: the bare driver (better-sqlite3, pg, mariadb)
 * running the minimal SQL for each operation on tables identical to ours, plus bulk inserts for seeding.
 */
export interface RawDriver {
  readonly provider: DatabaseProvider;
  /** One single-row INSERT in autocommit: the least an append can do. */
  insertEvent(row: RawEventRow): Promise<void>;
  /**
   * The least SQL of an append that keeps the session row in step: in one transaction, set the session's
   * last_seq to the event's seq and its updated_at, and insert the event (one statement on PostgreSQL).
   */
  appendWithSessionUpdate(row: RawEventRow, updatedAt: Date): Promise<void>;
  /** Many events in one transaction, with multi-row INSERTs where the driver has them (seeding). */
  insertEvents(rows: readonly RawEventRow[]): Promise<void>;
  /** Inserts sessions in one transaction and returns their pks by session id. */
  insertSessions(rows: readonly RawSessionRow[]): Promise<Map<string, number>>;
  /** Sets a seeded session's last_seq and compaction_seq (what appends would have left there). */
  setSessionSeqs(sessionPk: number, lastSeq: number, compactionSeq: number | null): Promise<void>;
  /**
   * One query: the events of a session with afterSeq < seq ≤ lastSeq, in seq order (a turn's live window,
   * bounded like ours so both get the same row estimate from the planner).
   */
  selectEventsAfter(sessionPk: number, afterSeq: number, lastSeq: number): Promise<unknown[]>;
  /** One query: every event of a session in seq order. */
  selectHistory(sessionPk: number): Promise<unknown[]>;
  /** One query: a user's most recently updated sessions. */
  selectRecentSessions(appName: string, userId: string, limit: number): Promise<unknown[]>;
  /**
   * Refreshes the planner statistics after seeding, as PostgreSQL's autovacuum and InnoDB's persistent
   * statistics do on their own in production; a no-op on SQLite, which never gathers them by itself.
   */
  analyze(): Promise<void>;
  /** The server (or library) version, for the machine description. */
  serverVersion(): Promise<string>;
  close(): Promise<void>;
}

/** The `sessions` columns a seeded row fills, in the order of {@link sessionValues}. */
export const sessionColumns =
  'app_name, user_id, id, state, last_seq, compaction_seq, created_at, updated_at';

/**
 * An event row's parameters in `session_pk, seq, id, …, timestamp` order, the timestamp written as the
 * engine stores Prisma's DateTime.
 */
export function eventValues(row: RawEventRow, timestamp: (date: Date) => string): unknown[] {
  return [
    row.sessionPk,
    row.seq,
    row.id,
    row.invocationId,
    row.author,
    row.messageId,
    row.content,
    row.actions,
    row.usage,
    timestamp(row.timestamp),
  ];
}

/** A session row's parameters in {@link sessionColumns} order. */
export function sessionValues(row: RawSessionRow, timestamp: (date: Date) => string): unknown[] {
  return [
    row.appName,
    row.userId,
    row.id,
    row.state,
    row.lastSeq,
    row.compactionSeq,
    timestamp(row.createdAt),
    timestamp(row.updatedAt),
  ];
}

/** Rows per multi-row INSERT when seeding: well under every engine's parameter and packet limits. */
export const seedBatchSize = 500;

/** Splits rows into batches of at most `size`. */
export function inBatches<T>(rows: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < rows.length; start += size)
    batches.push(rows.slice(start, start + size));
  return batches;
}
