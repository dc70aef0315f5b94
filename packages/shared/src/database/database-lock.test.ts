import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { mysqlNamedLock, postgresqlAdvisoryKey, tryWithDatabaseLock } from './database-lock.js';

describe.each(['postgresql', 'mysql'] as const)('tryWithDatabaseLock on %s', (provider) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(provider);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('runs the action when the lock is free and skips it while another holder has it', async () => {
    const target = { url: database.url };
    let inside = 0;
    const outcome = await tryWithDatabaseLock(target, 'retention:gateway', async () => {
      inside += 1;
      // While held: the same name is refused at once, another name is free.
      const same = await tryWithDatabaseLock(target, 'retention:gateway', () =>
        Promise.resolve('no'),
      );
      const other = await tryWithDatabaseLock(target, 'retention:agent:a', () =>
        Promise.resolve('yes'),
      );
      return { same, other };
    });
    expect(inside).toBe(1);
    expect(outcome).toEqual({
      acquired: true,
      value: { same: { acquired: false }, other: { acquired: true, value: 'yes' } },
    });
    // Released afterwards, also when the action throws.
    await expect(
      tryWithDatabaseLock(target, 'retention:gateway', () => Promise.reject(new Error('boom'))),
    ).rejects.toThrow('boom');
    expect(
      await tryWithDatabaseLock(target, 'retention:gateway', () => Promise.resolve(2)),
    ).toEqual({
      acquired: true,
      value: 2,
    });
  });
});

describe('tryWithDatabaseLock on sqlite', () => {
  it('runs the action: a SQLite file has one writer at a time anyway', async () => {
    const database = await createTestDatabase('sqlite');
    try {
      expect(
        await tryWithDatabaseLock({ url: database.url }, 'retention:gateway', () =>
          Promise.resolve(1),
        ),
      ).toEqual({ acquired: true, value: 1 });
    } finally {
      await database.drop();
    }
  });
});

describe('lock names', () => {
  it('are stable, distinct per name, and fit MySQL’s 64 characters', () => {
    expect(postgresqlAdvisoryKey('a')).toBe(postgresqlAdvisoryKey('a'));
    expect(postgresqlAdvisoryKey('a')).not.toBe(postgresqlAdvisoryKey('b'));
    expect(mysqlNamedLock('db', 'retention:gateway')).toBe('agent-mesh:retention:gateway:db');
    const long = mysqlNamedLock('x'.repeat(60), 'retention:agent:assistant');
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).not.toBe(mysqlNamedLock('y'.repeat(60), 'retention:agent:assistant'));
  });
});
