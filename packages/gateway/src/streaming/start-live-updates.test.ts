import { afterAll, describe, expect, it } from 'vitest';
import {
  createLogger,
  openDatabase,
  type DatabaseProvider,
  type GatewaySessionServiceConfig,
} from '@agent-mesh/shared';
import {
  createTestDatabase,
  testDatabaseProviders,
  type TestDatabase,
} from '@agent-mesh/shared/testing';
import type { SequencedTaskEvent } from '../store/gateway-store.js';
import { SqlGatewayStore } from '../store/sql-gateway-store.js';
import { startLiveUpdates, type LiveUpdates } from './start-live-updates.js';
import { TaskEventFeed } from './task-event-feed.js';
import { TaskRecorder } from './task-recorder.js';

const logger = createLogger('live-updates-test', { level: 'silent' });
const pool = { max_connections: 2, connect_timeout_ms: 10_000, idle_timeout_ms: 30_000 };

async function waitUntil(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** One gateway instance's streaming parts on a shared database. */
interface Instance {
  store: SqlGatewayStore;
  feed: TaskEventFeed;
  live: LiveUpdates;
}

describe('startLiveUpdates', () => {
  const databases: TestDatabase[] = [];
  const instances: Instance[] = [];

  afterAll(async () => {
    for (const instance of instances) {
      await instance.live.close();
      await instance.store.close();
    }
    for (const database of databases) await database.drop();
  });

  async function startInstance(
    provider: DatabaseProvider,
    database: TestDatabase,
    config: Parameters<typeof startLiveUpdates>[0]['config'],
    options: { notifyFallbackPollMs?: number } = {},
  ): Promise<Instance> {
    const store = new SqlGatewayStore(
      await openDatabase({ url: database.url, schema: 'gateway', pool }),
    );
    const feed = new TaskEventFeed();
    const sessionService: GatewaySessionServiceConfig = {
      type: 'sql',
      database_url: database.url,
      pool,
    };
    let live: LiveUpdates;
    try {
      live = await startLiveUpdates({
        config,
        sessionService,
        store,
        feed,
        logger,
        isRunningHere: () => false,
        ...options,
      });
    } catch (error) {
      await store.close();
      throw error;
    }
    const instance: Instance = { store, feed, live };
    instances.push(instance);
    expect(provider).toBe(database.provider);
    return instance;
  }

  /** Instance A records a reply; a listener on instance B must get every event, in order. */
  async function expectFollowed(a: Instance, b: Instance): Promise<void> {
    const now = new Date();
    const session = await a.store.createSession({
      id: `web-session-${Math.random().toString(36).slice(2)}`,
      userId: 'u',
      name: 'chat',
      agent: 'assistant',
      createdAt: now,
      updatedAt: now,
    });
    const { task } = await a.store.createTask({
      id: `task-${Math.random().toString(36).slice(2)}`,
      sessionId: session.id,
      userId: 'u',
      agent: 'assistant',
      clientMessageId: null,
      userMessage: 'hi',
      metadata: {},
      firstEvent: { type: 'message-start', agent: 'assistant' },
      now,
    });
    const received: SequencedTaskEvent[] = [];
    const stop = b.feed.subscribe(task.id, (event) => received.push(event), 1);
    const recorder = new TaskRecorder(a.store, a.feed, task, { logger, flushIntervalMs: 5 });
    for (const word of ['Hello', ' from', ' A']) {
      recorder.appendText(word);
      await recorder.flush();
    }
    await recorder.finish({ status: 'completed' });
    await waitUntil(() => received.some((event) => event.event.type === 'message-end'));
    stop();
    expect(received.map((event) => event.seq)).toEqual([2, 3, 4, 5]);
    expect(received[3]?.event).toEqual({
      type: 'message-end',
      status: 'completed',
      text: 'Hello from A',
    });
  }

  if (testDatabaseProviders.includes('postgresql')) {
    it('carries replies between instances with LISTEN/NOTIFY on PostgreSQL', async () => {
      const database = await createTestDatabase('postgresql');
      databases.push(database);
      // No safety-net poll: only notifications can deliver.
      const a = await startInstance('postgresql', database, undefined, { notifyFallbackPollMs: 0 });
      const b = await startInstance('postgresql', database, undefined, { notifyFallbackPollMs: 0 });
      expect([a.live.transport, b.live.transport]).toEqual(['notify', 'notify']);
      await expectFollowed(a, b);
    });
  }

  if (testDatabaseProviders.includes('sqlite')) {
    it('polls on SQLite, and refuses mode notify there naming the setting', async () => {
      const database = await createTestDatabase('sqlite');
      databases.push(database);
      const a = await startInstance('sqlite', database, { mode: 'auto', poll_interval_ms: 20 });
      const b = await startInstance('sqlite', database, { mode: 'auto', poll_interval_ms: 20 });
      expect(b.live.transport).toBe('poll');
      await expectFollowed(a, b);
      await expect(
        startInstance('sqlite', database, { mode: 'notify', poll_interval_ms: 200 }),
      ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: /live_updates\.mode is notify/ });
    });
  }
});
