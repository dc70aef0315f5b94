import { describe, expect, it } from 'vitest';
import { createLogger } from '@agent-mesh/shared';
import { MemoryGatewayStore } from '../store/memory-gateway-store.js';
import type { SequencedTaskEvent, TaskProgress, TaskRecord } from '../store/gateway-store.js';
import { TaskEventFeed } from './task-event-feed.js';
import { TaskRecorder } from './task-recorder.js';

const logger = createLogger('recorder-test', { level: 'silent' });

async function setup(): Promise<{
  store: MemoryGatewayStore;
  task: TaskRecord;
  feed: TaskEventFeed;
}> {
  const store = new MemoryGatewayStore();
  const now = new Date();
  await store.createSession({
    id: 'web-session-1',
    userId: 'u',
    name: 'n',
    agent: 'a',
    createdAt: now,
    updatedAt: now,
  });
  const { task } = await store.createTask({
    id: 'task-1',
    sessionId: 'web-session-1',
    userId: 'u',
    agent: 'a',
    clientMessageId: null,
    userMessage: 'hi',
    metadata: {},
    firstEvent: { type: 'message-start', agent: 'a' },
    now,
  });
  return { store, task, feed: new TaskEventFeed() };
}

describe('TaskRecorder', () => {
  it('merges waiting chunks into one event, numbers events and publishes them after the write', async () => {
    const { store, task, feed } = await setup();
    const published: SequencedTaskEvent[] = [];
    feed.subscribe(task.id, (event) => published.push(event));
    const recorder = new TaskRecorder(store, feed, task, { logger, flushIntervalMs: 10_000 });
    recorder.recordStatus('working');
    recorder.appendText('Hel');
    recorder.appendText('lo');
    recorder.replaceText('Bye');
    recorder.appendText('!');
    await recorder.flush();
    expect(published).toEqual([
      { seq: 2, event: { type: 'status-update', state: 'working' } },
      { seq: 3, event: { type: 'message-delta', text: 'Bye!', replace: true } },
    ]);
    expect((await store.getTask(task.id, 'u'))?.responseText).toBe('Bye!');
    expect(await recorder.finish({ status: 'completed' })).toBe(true);
    expect(published[published.length - 1]).toEqual({
      seq: 4,
      event: { type: 'message-end', status: 'completed', text: 'Bye!' },
    });
    expect(await store.listTaskEvents(task.id, 0)).toHaveLength(4);
  });

  it('keeps events after a failed write and writes them on the next try', async () => {
    const { store, task, feed } = await setup();
    let failures = 1;
    const original = store.saveTaskProgress.bind(store);
    store.saveTaskProgress = async (taskId: string, progress: TaskProgress) => {
      if (failures > 0) {
        failures -= 1;
        throw new Error('database restarting');
      }
      return original(taskId, progress);
    };
    const recorder = new TaskRecorder(store, feed, task, {
      logger,
      flushIntervalMs: 10_000,
      retryDelayMs: 5,
    });
    recorder.appendText('partial');
    await recorder.flush();
    expect(await store.listTaskEvents(task.id, 1)).toEqual([]);
    await recorder.finish({ status: 'interrupted', error: 'agent died' });
    expect((await store.listTaskEvents(task.id, 1)).map((event) => event.seq)).toEqual([2, 3]);
    expect(await store.getTask(task.id, 'u')).toMatchObject({
      status: 'interrupted',
      responseText: 'partial',
      error: 'agent died',
    });
  });

  it('stops recording when the task was closed elsewhere', async () => {
    const { store, task, feed } = await setup();
    let detached = false;
    const recorder = new TaskRecorder(store, feed, task, { logger, flushIntervalMs: 10_000 });
    recorder.onDetached(() => {
      detached = true;
    });
    await new TaskRecorder(store, feed, task, { logger }).finish({ status: 'canceled' });
    recorder.appendText('late');
    await recorder.flush();
    expect(detached).toBe(true);
    expect(await recorder.finish({ status: 'completed' })).toBe(false);
    expect((await store.getTask(task.id, 'u'))?.status).toBe('canceled');
  });
});
