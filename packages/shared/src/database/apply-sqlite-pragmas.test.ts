import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { applySqlitePragmas } from './apply-sqlite-pragmas.js';

describe('applySqlitePragmas', () => {
  let file: TestDatabase;
  let holder: Database.Database;
  let opener: Database.Database;

  beforeEach(async () => {
    file = await createTestDatabase('sqlite');
    // A rollback-journal file locked exclusively by another connection: switching it to WAL fails at
    // once with SQLITE_BUSY when the opener does not wait (timeout 0).
    holder = new Database(file.name, { timeout: 0 });
    holder.exec('CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1)');
    opener = new Database(file.name, { timeout: 0 });
  });
  afterEach(async () => {
    opener.close();
    if (holder.open) holder.close();
    await file.drop();
  });

  it('retries while the file is busy and applies the pragmas once it is free', async () => {
    expect(() => opener.exec('PRAGMA journal_mode = WAL')).toThrow(/locked/);
    setTimeout(() => holder.exec('COMMIT'), 60);
    await applySqlitePragmas(
      opener,
      ['PRAGMA journal_mode = WAL', 'PRAGMA user_version = 7'],
      5_000,
    );
    expect(opener.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(opener.pragma('user_version', { simple: true })).toBe(7);
  });

  it('gives up with the SQLite error when the file stays busy past the timeout', async () => {
    const started = Date.now();
    await expect(
      applySqlitePragmas(opener, ['PRAGMA journal_mode = WAL'], 100),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('does not retry other errors', async () => {
    await expect(
      applySqlitePragmas(opener, ['PRAGMA nonsense syntax here'], 5_000),
    ).rejects.toThrow(/syntax/);
  });
});
