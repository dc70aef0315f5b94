import { describe, expect, it } from 'vitest';
import { createLogger } from '@agent-mesh/shared';
import { MemoryGatewayStore } from '../store/memory-gateway-store.js';
import { recoverInterruptedTasks } from './recover-interrupted-tasks.js';
import { TaskEventFeed } from './task-event-feed.js';

const logger = createLogger('recover-test', { level: 'silent' });

async function storeWithTasks(): Promise<MemoryGatewayStore> {
  const store = new MemoryGatewayStore();
  const at = (minute: number): Date => new Date(Date.UTC(2030, 0, 1, 0, minute));
  await store.createSession({
    id: 'web-session-1',
    userId: 'u',
    name: 'chat',
    agent: 'assistant',
    createdAt: at(0),
    updatedAt: at(0),
  });
  const tasks: [string, string, number][] = [
    ['task-own', 'gateway-a', 9],
    ['task-other-fresh', 'gateway-b', 9],
    ['task-other-stale', 'gateway-b', 1],
  ];
  for (const [id, gatewayId, minute] of tasks) {
    await store.createTask({
      id,
      sessionId: 'web-session-1',
      userId: 'u',
      agent: 'assistant',
      clientMessageId: null,
      userMessage: 'hi',
      metadata: { gatewayId },
      firstEvent: { type: 'message-start', agent: 'assistant' },
      now: at(minute),
    });
  }
  return store;
}

describe('recoverInterruptedTasks', () => {
  const now = (): Date => new Date(Date.UTC(2030, 0, 1, 0, 10));

  it('closes at start-up its own cut-off replies and stale ones of other instances', async () => {
    const store = await storeWithTasks();
    const recovered = await recoverInterruptedTasks({
      store,
      feed: new TaskEventFeed(),
      logger,
      gatewayId: 'gateway-a',
      isRunningHere: () => false,
      now,
    });
    expect(recovered.sort()).toEqual(['task-other-stale', 'task-own']);
  });

  it('closes only stale replies of other instances in the periodic check', async () => {
    const store = await storeWithTasks();
    const recovered = await recoverInterruptedTasks({
      store,
      feed: new TaskEventFeed(),
      logger,
      gatewayId: 'gateway-a',
      isRunningHere: () => false,
      othersOnly: true,
      now,
    });
    expect(recovered).toEqual(['task-other-stale']);
    expect((await store.getTask('task-other-stale', 'u'))?.status).toBe('interrupted');
    expect((await store.getTask('task-own', 'u'))?.status).toBe('running');
  });
});
