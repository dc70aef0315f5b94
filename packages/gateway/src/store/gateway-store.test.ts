import { openDatabase } from '@agent-mesh/shared';
import { createTestDatabase, testDatabaseProviders } from '@agent-mesh/shared/testing';
import { describeGatewayStoreContract } from './gateway-store.contract.js';
import { MemoryGatewayStore } from './memory-gateway-store.js';
import { SqlGatewayStore } from './sql-gateway-store.js';

describeGatewayStoreContract('memory', async () => ({
  store: new MemoryGatewayStore(),
  dispose: async () => {},
}));

for (const provider of testDatabaseProviders) {
  describeGatewayStoreContract(provider, async () => {
    const database = await createTestDatabase(provider);
    const store = new SqlGatewayStore(await openDatabase({ url: database.url, schema: 'gateway' }));
    return {
      store,
      dispose: async () => {
        await store.close();
        await database.drop();
      },
    };
  });
}
