import { describe, expect, it } from 'vitest';
import { createLogger } from '@agent-mesh/shared';
import type { SequencedTaskEvent, TaskRecord } from '../store/gateway-store.js';
import { MemoryGatewayStore } from '../store/memory-gateway-store.js';
import { RemoteTaskFollower } from './remote-task-follower.js';
import { TaskEventFeed } from './task-event-feed.js';
import { TaskRecorder } from './task-recorder.js';

const logger = createLogger('follower-test', { level: 'silent' });

/** Two gateway instances on one store: A records the reply, B only follows it. */
async function setUp(options: { runningOnB?: Set<string> } = {}) {
  const store = new MemoryGatewayStore();
  const now = new Date('2030-01-01T00:00:00Z');
  await store.createSession({
    id: 'web-session-1',
    userId: 'u',
    name: 'chat',
    agent: 'assistant',
    createdAt: now,
    updatedAt: now,
  });
  const { task } = await store.createTask({
    id: 'task-1',
    sessionId: 'web-session-1',
    userId: 'u',
    agent: 'assistant',
    clientMessageId: null,
    userMessage: 'hi',
    metadata: {},
    firstEvent: { type: 'message-start', agent: 'assistant' },
    now,
  });
  const feedA = new TaskEventFeed();
  const feedB = new TaskEventFeed();
  const follower = new RemoteTaskFollower({
    store,
    feed: feedB,
    logger,
    isRunningHere: (taskId) => options.runningOnB?.has(taskId) ?? false,
    pollIntervalMs: 0,
  });
  feedB.observe({
    onWatch: (taskId, fromSeq) => follower.watch(taskId, fromSeq),
    onUnwatch: (taskId) => follower.unwatch(taskId),
    onPublish: () => undefined,
  });
  const announced: [string, number][] = [];
  feedA.observe({
    onWatch: () => undefined,
    onUnwatch: () => undefined,
    onPublish: (taskId, seq) => announced.push([taskId, seq]),
  });
  const recorder = new TaskRecorder(store, feedA, task, { logger, flushIntervalMs: 1_000_000 });
  return { store, feedB, follower, recorder, task, announced };
}

/** What the WebSocket does: join the feed, read the stored tail, then deliver live events by seq. */
async function subscribe(
  store: MemoryGatewayStore,
  feed: TaskEventFeed,
  task: TaskRecord,
  fromSeq: number,
): Promise<{ received: SequencedTaskEvent[]; stop: () => void }> {
  const received: SequencedTaskEvent[] = [];
  let last = fromSeq;
  const buffered: SequencedTaskEvent[] = [];
  let replaying = true;
  const deliver = (event: SequencedTaskEvent): void => {
    if (event.seq <= last) return;
    last = event.seq;
    received.push(event);
  };
  const stop = feed.subscribe(
    task.id,
    (event) => (replaying ? buffered.push(event) : deliver(event)),
    fromSeq,
  );
  for (const event of await store.listTaskEvents(task.id, fromSeq)) deliver(event);
  replaying = false;
  for (const event of buffered) deliver(event);
  return { received, stop };
}

async function settle(): Promise<void> {
  for (let round = 0; round < 10; round += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('RemoteTaskFollower', () => {
  it('delivers what another instance commits, after an announcement, in order and without gaps', async () => {
    const { store, feedB, follower, recorder, task, announced } = await setUp();
    recorder.appendText('Hello');
    await recorder.flush();
    const viewer = await subscribe(store, feedB, task, 0);
    recorder.appendText(' there');
    await recorder.flush();
    recorder.recordStatus('working');
    recorder.appendText(', friend');
    await recorder.flush();
    for (const [taskId, seq] of announced) follower.announce(taskId, seq);
    await settle();
    await recorder.finish({ status: 'completed' });
    follower.announce(task.id, announced[announced.length - 1]?.[1] ?? 0);
    await settle();

    const seqs = viewer.received.map((event) => event.seq);
    expect(seqs).toEqual(seqs.map((_seq, index) => index + 1));
    expect(viewer.received[viewer.received.length - 1]?.event).toEqual({
      type: 'message-end',
      status: 'completed',
      text: 'Hello there, friend',
    });
    expect(viewer.received.map((event) => event)).toEqual(await store.listTaskEvents(task.id, 0));
  });

  it('finds progress by polling when no announcement comes', async () => {
    const { store, feedB, follower, recorder, task } = await setUp();
    const viewer = await subscribe(store, feedB, task, 1);
    recorder.appendText('polled');
    await recorder.flush();
    await settle();
    expect(viewer.received).toEqual([]);
    await follower.poll();
    await settle();
    expect(viewer.received).toEqual([{ seq: 2, event: { type: 'message-delta', text: 'polled' } }]);
  });

  it('reads again from the lower position when a later subscriber has less', async () => {
    const { store, feedB, follower, recorder, task } = await setUp();
    recorder.appendText('a');
    await recorder.flush();
    recorder.appendText('b');
    await recorder.flush();
    // A first viewer claims to have everything up to seq 40 (more than exists).
    await subscribe(store, feedB, task, 40);
    const late = await subscribe(store, feedB, task, 0);
    recorder.appendText('c');
    await recorder.flush();
    await follower.poll();
    await settle();
    expect(late.received.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
  });

  it('leaves tasks streamed by this instance to its own recorder and forgets unwatched ones', async () => {
    const runningOnB = new Set(['task-1']);
    const { store, feedB, follower, recorder, task } = await setUp({ runningOnB });
    const viewer = await subscribe(store, feedB, task, 1);
    recorder.appendText('local');
    await recorder.flush();
    await follower.poll();
    await settle();
    expect(viewer.received).toEqual([]);
    expect(follower.followedCount).toBe(1);
    viewer.stop();
    expect(follower.followedCount).toBe(0);
  });
});
