import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import type { AgentDatabase } from './database-types.js';
import { openDatabase } from './open-database.js';

const sleepSql = {
  postgresql: 'SELECT 1 AS done FROM pg_sleep(0.3)',
  mysql: 'SELECT SLEEP(0.3) AS done',
} as const;

describe.each(['postgresql', 'mysql'] as const)('the connection pool on %s', (provider) => {
  let testDatabase: TestDatabase;
  let database: AgentDatabase;
  beforeAll(async () => {
    testDatabase = await createTestDatabase(provider);
    database = await openDatabase({
      url: testDatabase.url,
      schema: 'agent',
      pool: { max_connections: 3 },
    });
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  it('never opens more than max_connections and reports its use', async () => {
    const idle = database.poolStats();
    expect(idle).toMatchObject({ provider, max: 3, inUse: 0, waiting: 0 });
    // Prisma queries start when awaited: Promise.all starts all six now.
    const queries = Promise.all(
      Array.from({ length: 6 }, () => database.client.$queryRawUnsafe(sleepSql[provider])),
    );
    const during = await new Promise<ReturnType<AgentDatabase['poolStats']>>((resolve) =>
      setTimeout(() => resolve(database.poolStats()), 150),
    );
    await queries;
    expect(during.inUse).toBe(3);
    expect(during.waiting).toBeGreaterThanOrEqual(1);
    expect(during.open).toBeLessThanOrEqual(3);
    expect(database.poolStats()).toMatchObject({ inUse: 0, waiting: 0 });
    const [{ connections }] = await database.client
      .$queryRawUnsafe<{ connections: unknown }[]>(
        provider === 'postgresql'
          ? "SELECT COUNT(*) AS connections FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'agent-mesh'"
          : 'SELECT COUNT(*) AS connections FROM information_schema.PROCESSLIST WHERE DB = DATABASE()',
      )
      .then((rows) => rows as [{ connections: unknown }]);
    expect(Number(connections)).toBeLessThanOrEqual(3);
  });
});

describe('the connection pool on sqlite', () => {
  it('is one connection per client', async () => {
    const testDatabase = await createTestDatabase('sqlite');
    const database = await openDatabase({ url: testDatabase.url, schema: 'gateway' });
    try {
      expect(database.poolStats()).toEqual({ provider: 'sqlite', max: 1 });
    } finally {
      await database.close();
      await testDatabase.drop();
    }
  });
});
