import type { ParsedDatabaseUrl } from '@agent-mesh/shared';
import * as mariadb from 'mariadb';
import {
  eventValues,
  inBatches,
  seedBatchSize,
  sessionColumns,
  sessionValues,
  type RawDriver,
} from './raw-driver.js';

const eventColumns =
  '`seq`, `id`, `invocation_id`, `author`, `message_id`, `content`, `actions`, `usage`, `timestamp`';

/** DATETIME(3) literal in UTC, the wall time Prisma stores with its UTC session time zone. */
function mysqlTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

function placeholders(rows: number, columns: number): string {
  const row = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => row).join(', ');
}

/**
 * The raw MySQL/MariaDB reference: a MariaDB connector pool of the same size as ours, UTC sessions,
 * plain parameterised `query` calls (no ORM, no transaction around single statements).
 */
export function openMariaDbRawDriver(parsed: ParsedDatabaseUrl, maxConnections: number): RawDriver {
  const pool = mariadb.createPool({
    host: parsed.host,
    port: parsed.port,
    socketPath: parsed.socketPath,
    user: parsed.user ?? 'root',
    password: parsed.password,
    database: parsed.database,
    connectionLimit: maxConnections,
    sessionVariables: { time_zone: '+00:00' },
  });
  const insertOne = `INSERT INTO events (session_pk, ${eventColumns}) VALUES ${placeholders(1, 10)}`;
  return {
    provider: 'mysql',
    insertEvent: async (row) => {
      await pool.query(insertOne, eventValues(row, mysqlTimestamp));
    },
    appendWithSessionUpdate: (row, updatedAt) =>
      inTransaction(pool, async (connection) => {
        await connection.query('UPDATE sessions SET last_seq = ?, updated_at = ? WHERE pk = ?', [
          row.seq,
          mysqlTimestamp(updatedAt),
          row.sessionPk,
        ]);
        await connection.query(insertOne, eventValues(row, mysqlTimestamp));
      }),
    insertEvents: (rows) =>
      inTransaction(pool, async (connection) => {
        for (const batch of inBatches(rows, seedBatchSize)) {
          await connection.query(
            `INSERT INTO events (session_pk, ${eventColumns}) VALUES ${placeholders(batch.length, 10)}`,
            batch.flatMap((row) => eventValues(row, mysqlTimestamp)),
          );
        }
      }),
    insertSessions: async (rows) => {
      for (const batch of inBatches(rows, seedBatchSize)) {
        await pool.query(
          `INSERT INTO sessions (${sessionColumns}) VALUES ${placeholders(batch.length, 8)}`,
          batch.flatMap((row) => sessionValues(row, mysqlTimestamp)),
        );
      }
      // A multi-row INSERT reports only the first id; read them back by key instead.
      const pks = new Map<string, number>();
      const wanted = new Set(rows.map((row) => row.id));
      const owners = new Set(rows.map((row) => `${row.appName}\u0000${row.userId}`));
      for (const owner of owners) {
        const [appName, userId] = owner.split('\u0000');
        const found = (await pool.query(
          'SELECT pk, id FROM sessions WHERE app_name = ? AND user_id = ?',
          [appName, userId],
        )) as { pk: number; id: string }[];
        for (const row of found) if (wanted.has(row.id)) pks.set(row.id, Number(row.pk));
      }
      return pks;
    },
    setSessionSeqs: async (pk, lastSeq, compactionSeq) => {
      await pool.query('UPDATE sessions SET last_seq = ?, compaction_seq = ? WHERE pk = ?', [
        lastSeq,
        compactionSeq,
        pk,
      ]);
    },
    selectEventsAfter: async (pk, afterSeq, lastSeq) =>
      (await pool.query(
        `SELECT ${eventColumns} FROM events WHERE session_pk = ? AND seq > ? AND seq <= ? ORDER BY seq`,
        [pk, afterSeq, lastSeq],
      )) as unknown[],
    selectHistory: async (pk) =>
      (await pool.query(`SELECT ${eventColumns} FROM events WHERE session_pk = ? ORDER BY seq`, [
        pk,
      ])) as unknown[],
    selectRecentSessions: async (appName, userId, limit) =>
      (await pool.query(
        'SELECT id, last_seq, created_at, updated_at FROM sessions WHERE app_name = ? AND user_id = ? ORDER BY updated_at DESC LIMIT ?',
        [appName, userId, limit],
      )) as unknown[],
    analyze: async () => {
      await pool.query('ANALYZE TABLE sessions, events');
    },
    serverVersion: async () => {
      const rows = (await pool.query('SELECT VERSION() AS version')) as { version: string }[];
      return rows[0]?.version ?? 'unknown';
    },
    close: () => pool.end(),
  };
}

/** Runs work on one pooled connection in one transaction: committed, or rolled back when it throws. */
async function inTransaction(
  pool: mariadb.Pool,
  work: (connection: mariadb.PoolConnection) => Promise<void>,
): Promise<void> {
  const connection = await pool.getConnection();
  try {
    await connection.beginTransaction();
    await work(connection);
    await connection.commit();
  } catch (error) {
    await connection.rollback();
    throw error;
  } finally {
    await connection.release();
  }
}
