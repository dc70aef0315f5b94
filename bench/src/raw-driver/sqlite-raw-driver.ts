import Database from 'better-sqlite3';
import type { RawDriver, RawEventRow, RawSessionRow } from './raw-driver.js';

const eventColumns =
  'seq, id, invocation_id, author, message_id, content, actions, usage, timestamp';

/** SQLite stores Prisma DateTime columns as ISO text with an explicit offset; write the same. */
function sqliteTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+00:00');
}

function eventValues(row: RawEventRow): unknown[] {
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
    sqliteTimestamp(row.timestamp),
  ];
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
    'INSERT INTO sessions (app_name, user_id, id, state, last_seq, compaction_seq, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
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
    for (const row of rows) insertEvent.run(...eventValues(row));
  });
  const insertSessions = db.transaction((rows: readonly RawSessionRow[]) => {
    const pks = new Map<string, number>();
    for (const row of rows) {
      const result = insertSession.run(
        row.appName,
        row.userId,
        row.id,
        row.state,
        row.lastSeq,
        row.compactionSeq,
        sqliteTimestamp(row.createdAt),
        sqliteTimestamp(row.updatedAt),
      );
      pks.set(row.id, Number(result.lastInsertRowid));
    }
    return pks;
  });
  return {
    provider: 'sqlite',
    insertEvent: async (row) => {
      insertEvent.run(...eventValues(row));
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
