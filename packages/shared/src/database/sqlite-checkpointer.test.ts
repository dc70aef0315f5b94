import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { openDatabase } from './open-database.js';
import {
  sqliteFallbackAutocheckpointPages,
  startSqliteCheckpointer,
} from './sqlite-checkpointer.js';
import type { AgentDatabase } from './database-types.js';

describe('SQLite background checkpoints', () => {
  let file: TestDatabase;
  let database: AgentDatabase | undefined;

  beforeEach(async () => {
    file = await createTestDatabase('sqlite');
  });
  afterEach(async () => {
    await database?.close();
    database = undefined;
    await file.drop();
  });

  it('copies committed pages into the database file while the writer never checkpoints', async () => {
    database = await openDatabase({ url: file.url, schema: 'agent' });
    const [setting] = await database.driver.query<{ wal_autocheckpoint: number | bigint }>(
      'PRAGMA wal_autocheckpoint',
    );
    expect(Number(setting?.wal_autocheckpoint)).toBe(sqliteFallbackAutocheckpointPages);
    await database.driver.execute('CREATE TABLE filler (body BLOB)');
    const before = statSync(file.name).size;
    // 1,000 commits of 2 KB: ~1,500 WAL pages, far below the writer's own checkpoint threshold.
    for (let index = 0; index < 1_000; index += 1) {
      await database.driver.execute('INSERT INTO filler (body) VALUES (randomblob(2048))');
    }
    await expect
      .poll(() => statSync(file.name).size - before, { timeout: 5_000, interval: 50 })
      .toBeGreaterThan(1_000 * 2048);
  });

  it('stops its thread once, however often it is asked', async () => {
    database = await openDatabase({ url: file.url, schema: 'agent' });
    const checkpointer = startSqliteCheckpointer(file.name, { busyTimeoutMs: 1_000 });
    const first = checkpointer.stop();
    expect(checkpointer.stop()).toBe(first);
    await first;
  });
});
