import type { ParsedDatabaseUrl } from '@agent-mesh/shared';
import pg from 'pg';
import {
  eventValues,
  inBatches,
  seedBatchSize,
  sessionColumns,
  sessionValues,
  type RawDriver,
} from './raw-driver.js';

const eventColumns =
  'seq, id, invocation_id, author, message_id, content, actions, usage, "timestamp"';

/** timestamp(3) without time zone ignores the offset: the UTC wall time is stored, as Prisma does. */
function postgresTimestamp(date: Date): string {
  return date.toISOString();
}

/** `($1, …, $10), ($11, …)` for `rows` rows of `columns` parameters. */
function placeholders(rows: number, columns: number): string {
  return Array.from(
    { length: rows },
    (_, row) =>
      `(${Array.from({ length: columns }, (_, column) => `$${row * columns + column + 1}`).join(', ')})`,
  ).join(', ');
}

/**
 * The raw PostgreSQL reference: a node-postgres pool of the same size as ours, UTC sessions, plain
 * parameterised queries (no ORM, no transaction around single statements).
 */
export function openPostgresRawDriver(
  parsed: ParsedDatabaseUrl,
  maxConnections: number,
): RawDriver {
  const pool = new pg.Pool({
    host: parsed.socketPath ?? parsed.host,
    port: parsed.port,
    user: parsed.user,
    password: parsed.password,
    database: parsed.database,
    max: maxConnections,
    options: '-c TimeZone=UTC',
  });
  // An idle connection dropped by the server (e.g. when the database is dropped) must not crash the run.
  pool.on('error', () => undefined);
  const insertOne = `INSERT INTO events (session_pk, ${eventColumns}) VALUES ${placeholders(1, 10)}`;
  // One statement, like ours: the row lock of the UPDATE and the INSERT commit together.
  const appendOne = `WITH s AS (UPDATE sessions SET last_seq = $2, updated_at = $11 WHERE pk = $1 RETURNING pk) INSERT INTO events (session_pk, ${eventColumns}) SELECT pk, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM s`;
  return {
    provider: 'postgresql',
    insertEvent: async (row) => {
      await pool.query(insertOne, eventValues(row, postgresTimestamp));
    },
    appendWithSessionUpdate: async (row, updatedAt) => {
      await pool.query(appendOne, [
        ...eventValues(row, postgresTimestamp),
        postgresTimestamp(updatedAt),
      ]);
    },
    insertEvents: async (rows) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (const batch of inBatches(rows, seedBatchSize)) {
          await client.query(
            `INSERT INTO events (session_pk, ${eventColumns}) VALUES ${placeholders(batch.length, 10)}`,
            batch.flatMap((row) => eventValues(row, postgresTimestamp)),
          );
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    },
    insertSessions: async (rows) => {
      const pks = new Map<string, number>();
      for (const batch of inBatches(rows, seedBatchSize)) {
        const result = await pool.query<{ pk: number; id: string }>(
          `INSERT INTO sessions (${sessionColumns}) VALUES ${placeholders(batch.length, 8)} RETURNING pk, id`,
          batch.flatMap((row) => sessionValues(row, postgresTimestamp)),
        );
        for (const inserted of result.rows) pks.set(inserted.id, inserted.pk);
      }
      return pks;
    },
    setSessionSeqs: async (pk, lastSeq, compactionSeq) => {
      await pool.query('UPDATE sessions SET last_seq = $1, compaction_seq = $2 WHERE pk = $3', [
        lastSeq,
        compactionSeq,
        pk,
      ]);
    },
    selectEventsAfter: async (pk, afterSeq, lastSeq) =>
      (
        await pool.query(
          `SELECT ${eventColumns} FROM events WHERE session_pk = $1 AND seq > $2 AND seq <= $3 ORDER BY seq`,
          [pk, afterSeq, lastSeq],
        )
      ).rows,
    selectHistory: async (pk) =>
      (
        await pool.query(`SELECT ${eventColumns} FROM events WHERE session_pk = $1 ORDER BY seq`, [
          pk,
        ])
      ).rows,
    selectRecentSessions: async (appName, userId, limit) =>
      (
        await pool.query(
          'SELECT id, last_seq, created_at, updated_at FROM sessions WHERE app_name = $1 AND user_id = $2 ORDER BY updated_at DESC LIMIT $3',
          [appName, userId, limit],
        )
      ).rows,
    analyze: async () => {
      await pool.query('ANALYZE sessions, events');
    },
    serverVersion: async () =>
      (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0]
        ?.server_version ?? 'unknown',
    close: () => pool.end(),
  };
}
