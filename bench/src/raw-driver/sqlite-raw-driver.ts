import Database from 'better-sqlite3';
import {
  eventValues,
  sessionColumns,
  sessionValues,
  type RawDriver,
  type RawEventRow,
  type RawSessionRow,
} from './raw-driver.js';

const eventColumns =
  'seq, id, invocation_id, author, message_id, content, actions, usage, timestamp';

/** SQLite stores Prisma DateTime columns as ISO text with an explicit offset; write the same. */
function sqliteTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

/**
 * The raw SQLite reference: one better-sqlite3 connection with the same pragmas our adapter sets (WAL,
 * synchronous NORMAL, foreign keys on) and statements prepared once, as a careful hand-written store would.
 */
export function openSqliteRawDriver(path: string): RawDriver {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  const insertEvent = db.prepare(
    `INSERT INTO events (session_pk, ${eventColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertSession = db.prepare(
    `INSERT INTO sessions (${sessionColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const touchSession = db.prepare('UPDATE sessions SET last_seq = ?, updated_at = ? WHERE pk = ?');
  const appendWithSessionUpdate = db.transaction((row: RawEventRow, updatedAt: Date) => {
    touchSession.run(row.seq, sqliteTimestamp(updatedAt), row.sessionPk);
    insertEvent.run(...eventValues(row, sqliteTimestamp));
  });
  const setSeqs = db.prepare('UPDATE sessions SET last_seq = ?, compaction_seq = ? WHERE pk = ?');
  const selectAfter = db.prepare(
    `SELECT ${eventColumns} FROM events WHERE session_pk = ? AND seq > ? AND seq <= ? ORDER BY seq`,
  );
  const selectHistory = db.prepare(
    `SELECT ${eventColumns} FROM events WHERE session_pk = ? ORDER BY seq`,
  );
  const selectRecent = db.prepare(
    'SELECT id, last_seq, created_at, updated_at FROM sessions WHERE app_name = ? AND user_id = ? ORDER BY updated_at DESC LIMIT ?',
  );
  const insertEvents = db.transaction((rows: readonly RawEventRow[]) => {
    for (const row of rows) insertEvent.run(...eventValues(row, sqliteTimestamp));
  });
  const insertSessions = db.transaction((rows: readonly RawSessionRow[]) => {
    const pks = new Map<string, number>();
    for (const row of rows) {
      const result = insertSession.run(...sessionValues(row, sqliteTimestamp));
      pks.set(row.id, Number(result.lastInsertRowid));
    }
    return pks;
  });
  return {
    provider: 'sqlite',
    insertEvent: async (row) => {
      insertEvent.run(...eventValues(row, sqliteTimestamp));
    },
    appendWithSessionUpdate: async (row, updatedAt) => {
      // BEGIN IMMEDIATE, as our appends: take the write lock first.
      appendWithSessionUpdate.immediate(row, updatedAt);
    },
    insertEvents: async (rows) => {
      insertEvents(rows);
    },
    insertSessions: async (rows) => insertSessions(rows),
    setSessionSeqs: async (pk, lastSeq, compactionSeq) => {
      setSeqs.run(lastSeq, compactionSeq, pk);
    },
    selectEventsAfter: async (pk, afterSeq, lastSeq) => selectAfter.all(pk, afterSeq, lastSeq),
    selectHistory: async (pk) => selectHistory.all(pk),
    selectRecentSessions: async (appName, userId, limit) =>
      selectRecent.all(appName, userId, limit),
    analyze: async () => {},
    serverVersion: async () =>
      (db.prepare('SELECT sqlite_version() AS version').get() as { version: string }).version,
    close: async () => {
      db.close();
    },
  };
}
