import { openDatabase, type AgentDatabase, type SqlDriver } from '@agent-mesh/shared';
import { createTestDatabase, testDatabaseProviders } from '@agent-mesh/shared/testing';
import { describeSessionServiceContract } from './session-service.contract.js';
import { SqlSessionService } from './sql-session-service.js';

/** How many extra services (each with its own connection pool) the concurrency tests race against. */
const extraServices = 3;

for (const provider of testDatabaseProviders) {
  describeSessionServiceContract(provider, async () => {
    const testDatabase = await createTestDatabase(provider);
    const databases: AgentDatabase[] = [];
    const open = async (migrate: boolean): Promise<AgentDatabase> => {
      const database = await openDatabase({
        url: testDatabase.url,
        schema: 'agent',
        migrate,
        pool: { max_connections: 4 },
      });
      databases.push(database);
      return database;
    };
    const main = await open(true);

    // Count the rows the database hands back to the main service, to prove a turn load skips history.
    let rowsRead = 0;
    const counted: SqlDriver = {
      ...main.driver,
      query: async <T>(text: string, values?: readonly unknown[]) => {
        const rows = await main.driver.query<T>(text, values);
        rowsRead += rows.length;
        return rows;
      },
    };
    const service = new SqlSessionService({ ...main, driver: counted });

    const extras: SqlSessionService[] = [];
    let next = 0;
    return {
      service,
      async openService() {
        if (extras.length < extraServices) extras.push(new SqlSessionService(await open(false)));
        return extras[next++ % extras.length]!;
      },
      rowsRead: () => rowsRead,
      async close() {
        await Promise.all(databases.map((database) => database.close()));
        await testDatabase.drop();
      },
    };
  });
}
