import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebSessionId } from '@agent-mesh/shared';
import type { CompactionRecord, GatewayStore, NewTask, SessionRecord } from './gateway-store.js';

/** Creates a fresh, empty store for the contract suite and removes it afterwards. */
export interface StoreFixture {
  store: GatewayStore;
  dispose(): Promise<void>;
}

let counter = 0;

function at(seconds: number): Date {
  return new Date(Date.UTC(2030, 0, 1, 0, 0, seconds));
}

function newCompaction(
  session: SessionRecord,
  overrides: Partial<CompactionRecord> = {},
): CompactionRecord {
  counter += 1;
  return {
    id: `compaction-contract-${counter}-${Math.random().toString(36).slice(2)}`,
    sessionId: session.id,
    userId: session.userId,
    agent: session.agent,
    taskId: null,
    reason: 'manual',
    turnsCompacted: 3,
    tokensBefore: 900,
    tokensAfter: 300,
    summary: 'The user is called Ada.',
    agentSeq: null,
    details: { percentage: 0.25 },
    createdAt: at(counter),
    ...overrides,
  };
}

function newTask(session: SessionRecord, overrides: Partial<NewTask> = {}): NewTask {
  counter += 1;
  return {
    id: `task-contract-${counter}-${Math.random().toString(36).slice(2)}`,
    sessionId: session.id,
    userId: session.userId,
    agent: session.agent,
    clientMessageId: null,
    userMessage: `message ${counter}`,
    metadata: { gatewayId: 'gw-1' },
    firstEvent: { type: 'message-start', agent: session.agent },
    now: at(counter),
    ...overrides,
  };
}

/**
 * The behaviour every GatewayStore must have, run against memory and each SQL database so the
 * in-memory store keeps behaving like the real ones.
 */
export function describeGatewayStoreContract(
  name: string,
  createFixture: () => Promise<StoreFixture>,
): void {
  describe(`GatewayStore contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: GatewayStore;

    beforeAll(async () => {
      fixture = await createFixture();
      store = fixture.store;
    });

    afterAll(async () => {
      await fixture?.dispose();
    });

    async function createSession(userId: string, seconds = 0): Promise<SessionRecord> {
      return store.createSession({
        id: createWebSessionId(),
        userId,
        name: 'chat',
        agent: 'assistant',
        createdAt: at(seconds),
        updatedAt: at(seconds),
      });
    }

    it('returns a session only to its owner', async () => {
      const session = await createSession('user-a');
      expect(await store.getSession(session.id, 'user-a')).toMatchObject({
        id: session.id,
        name: 'chat',
      });
      expect(await store.getSession(session.id, 'user-b')).toBeNull();
      expect(await store.updateSession(session.id, 'user-b', { name: 'stolen' })).toBeNull();
      expect(await store.deleteSession(session.id, 'user-b')).toBe(false);
      expect((await store.getSession(session.id, 'user-a'))?.name).toBe('chat');
      // An update that changes nothing still finds the session (MySQL reports no changed rows).
      expect(await store.updateSession(session.id, 'user-a', { name: 'chat' })).toMatchObject({
        id: session.id,
        name: 'chat',
      });
    });

    it('lists sessions most recently active first, paged by cursor', async () => {
      const user = `user-list-${Math.random()}`;
      const created: SessionRecord[] = [];
      for (let index = 0; index < 5; index += 1) created.push(await createSession(user, index));
      // Two sessions with the same activity time are ordered by id.
      await store.updateSession(created[1]!.id, user, { updatedAt: at(4) });
      const first = await store.listSessions(user, { limit: 3 });
      const last = first[first.length - 1]!;
      const second = await store.listSessions(user, {
        limit: 3,
        after: { updatedAt: last.updatedAt, id: last.id },
      });
      const ids = [...first, ...second].map((session) => session.id);
      expect(new Set(ids).size).toBe(5);
      expect(ids[ids.length - 1]).toBe(created[0]!.id);
      const times = [...first, ...second].map((session) => session.updatedAt.getTime());
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      expect(await store.listSessions('nobody', { limit: 10 })).toEqual([]);
    });

    it('stores a task with its first event and marks the session active', async () => {
      const session = await createSession('user-task');
      const input = newTask(session);
      const { task, created } = await store.createTask(input);
      expect(created).toBe(true);
      expect(task).toMatchObject({
        status: 'running',
        responseText: '',
        lastEventSeq: 1,
        userMessage: input.userMessage,
      });
      expect(await store.listTaskEvents(task.id, 0)).toEqual([{ seq: 1, event: input.firstEvent }]);
      expect((await store.getSession(session.id, 'user-task'))?.updatedAt.getTime()).toBe(
        input.now.getTime(),
      );
      expect(await store.getTask(task.id, 'someone-else')).toBeNull();
    });

    it('returns the existing task for a repeated clientMessageId', async () => {
      const session = await createSession('user-idem');
      const first = await store.createTask(newTask(session, { clientMessageId: 'client-1' }));
      const again = await store.createTask(newTask(session, { clientMessageId: 'client-1' }));
      expect(again.created).toBe(false);
      expect(again.task.id).toBe(first.task.id);
      const other = await store.createTask(newTask(session, { clientMessageId: 'client-2' }));
      expect(other.created).toBe(true);
    });

    it('appends progress in order and closes a task exactly once', async () => {
      const session = await createSession('user-progress');
      const { task } = await store.createTask(newTask(session));
      expect(
        await store.saveTaskProgress(task.id, {
          events: [
            { seq: 2, event: { type: 'message-delta', text: 'Hel' } },
            { seq: 3, event: { type: 'message-delta', text: 'lo' } },
          ],
          responseText: 'Hello',
          lastEventSeq: 3,
          metadata: { gatewayId: 'gw-1', agentTaskId: 'a-1' },
          now: at(100),
        }),
      ).toBe(true);
      const usage = { inputTokens: 5, outputTokens: 2, totalTokens: 7, contextWindow: 4096 };
      expect(
        await store.saveTaskProgress(task.id, {
          events: [
            { seq: 4, event: { type: 'message-end', status: 'completed', text: 'Hello', usage } },
          ],
          responseText: 'Hello',
          lastEventSeq: 4,
          status: 'completed',
          usage,
          now: at(101),
        }),
      ).toBe(true);
      const stored = await store.getTask(task.id, 'user-progress');
      expect(stored).toMatchObject({
        status: 'completed',
        responseText: 'Hello',
        lastEventSeq: 4,
        usage,
        metadata: { gatewayId: 'gw-1', agentTaskId: 'a-1' },
      });
      expect(stored?.completedAt?.getTime()).toBe(at(101).getTime());
      expect((await store.listTaskEvents(task.id, 2)).map((event) => event.seq)).toEqual([3, 4]);
      expect((await store.getSession(session.id, 'user-progress'))?.updatedAt.getTime()).toBe(
        at(101).getTime(),
      );
      // A closed task takes no more writes.
      expect(
        await store.saveTaskProgress(task.id, {
          events: [{ seq: 5, event: { type: 'message-delta', text: '!' } }],
          responseText: 'Hello!',
          lastEventSeq: 5,
          status: 'interrupted',
          now: at(102),
        }),
      ).toBe(false);
      expect((await store.getTask(task.id, 'user-progress'))?.status).toBe('completed');
      expect(await store.listTaskEvents(task.id, 4)).toEqual([]);
    });

    it('reports the last stored seq of several tasks in one call', async () => {
      const session = await createSession('user-seqs');
      const first = (await store.createTask(newTask(session))).task;
      const second = (await store.createTask(newTask(session))).task;
      await store.saveTaskProgress(second.id, {
        events: [
          { seq: 2, event: { type: 'message-delta', text: 'Hi' } },
          { seq: 3, event: { type: 'message-delta', text: '!' } },
        ],
        responseText: 'Hi!',
        lastEventSeq: 3,
        now: at(200),
      });
      const seqs = await store.getLastEventSeqs([first.id, second.id, 'task-missing']);
      expect([...seqs.entries()].sort()).toEqual(
        [
          [first.id, 1],
          [second.id, 3],
        ].sort(),
      );
      expect((await store.getLastEventSeqs([])).size).toBe(0);
    });

    it('lists tasks newest first with a cursor and running tasks of every user', async () => {
      const session = await createSession('user-history');
      const ids: string[] = [];
      for (let index = 0; index < 4; index += 1)
        ids.push((await store.createTask(newTask(session))).task.id);
      const page = await store.listTasks(session.id, { limit: 2 });
      expect(page.map((task) => task.id)).toEqual([ids[3], ids[2]]);
      const older = await store.listTasks(session.id, {
        limit: 5,
        before: { createdAt: page[1]!.createdAt, id: page[1]!.id },
      });
      expect(older.map((task) => task.id)).toEqual([ids[1], ids[0]]);
      const running = (await store.listRunningTasks()).map((task) => task.id);
      for (const id of ids) expect(running).toContain(id);
    });

    it('deletes a session with its tasks, events and feedback', async () => {
      const session = await createSession('user-delete');
      const { task } = await store.createTask(newTask(session));
      await store.saveFeedback({
        taskId: task.id,
        sessionId: session.id,
        userId: 'user-delete',
        rating: 'up',
        comment: null,
        now: at(5),
      });
      expect(await store.deleteSession(session.id, 'user-delete')).toBe(true);
      expect(await store.getSession(session.id, 'user-delete')).toBeNull();
      expect(await store.getTask(task.id, 'user-delete')).toBeNull();
      expect(await store.listTaskEvents(task.id, 0)).toEqual([]);
      expect((await store.listFeedback('user-delete', [task.id])).size).toBe(0);
    });

    it('keeps compaction checkpoints in history order, one per agent compaction', async () => {
      const session = await createSession('user-compaction');
      const other = await createSession('user-compaction');
      const first = newCompaction(session, { createdAt: at(20), agentSeq: 7 });
      expect(await store.createCompaction(first)).toEqual({ compaction: first, created: true });
      // The same agent compaction recorded again (another click, another gateway) is not doubled.
      const again = await store.createCompaction(
        newCompaction(session, { createdAt: at(40), agentSeq: 7, summary: 'other' }),
      );
      expect(again).toEqual({ compaction: first, created: false });
      const automatic = newCompaction(session, {
        createdAt: at(10),
        reason: 'overflow',
        taskId: 'task-1',
        summary: null,
        details: {},
      });
      await store.createCompaction(automatic);
      const unknownSeq = newCompaction(session, { createdAt: at(30) });
      await store.createCompaction(unknownSeq);
      await store.createCompaction(newCompaction(other, { createdAt: at(25), agentSeq: 7 }));

      expect(await store.listCompactions(session.id)).toEqual([automatic, first, unknownSeq]);
      expect(await store.listCompactions(session.id, { from: at(20) })).toEqual([
        first,
        unknownSeq,
      ]);
      expect(await store.listCompactions(session.id, { from: at(10), before: at(30) })).toEqual([
        automatic,
        first,
      ]);
      expect(await store.listCompactions('web-session-unknown')).toEqual([]);

      expect(await store.deleteSession(session.id, 'user-compaction')).toBe(true);
      expect(await store.listCompactions(session.id)).toEqual([]);
      expect(await store.listCompactions(other.id)).toHaveLength(1);
    });

    it('keeps one rating per user and task', async () => {
      const session = await createSession('user-feedback');
      const { task } = await store.createTask(newTask(session));
      const base = { taskId: task.id, sessionId: session.id, userId: 'user-feedback', now: at(9) };
      await store.saveFeedback({ ...base, rating: 'up', comment: null });
      await store.saveFeedback({ ...base, rating: 'down', comment: 'wrong color' });
      const feedback = await store.listFeedback('user-feedback', [task.id, 'task-unknown']);
      expect([...feedback.values()]).toEqual([
        { taskId: task.id, userId: 'user-feedback', rating: 'down', comment: 'wrong color' },
      ]);
    });

    it('keeps the first value of a setting', async () => {
      const key = `key-${Math.random()}`;
      expect(await store.getSetting(key)).toBeNull();
      expect(await store.setSettingIfAbsent(key, 'first')).toBe('first');
      expect(await store.setSettingIfAbsent(key, 'second')).toBe('first');
      expect(await store.getSetting(key)).toBe('first');
    });

    it('stores browser sessions until they expire', async () => {
      await store.setWebSession('sid-1', { data: '{"userId":"anon-1"}', expiresAt: at(50) });
      expect((await store.getWebSession('sid-1', at(10)))?.data).toBe('{"userId":"anon-1"}');
      await store.setWebSession('sid-1', { data: '{"userId":"anon-2"}', expiresAt: at(50) });
      expect((await store.getWebSession('sid-1', at(10)))?.data).toBe('{"userId":"anon-2"}');
      expect(await store.getWebSession('sid-1', at(60))).toBeNull();
      await store.touchWebSession('sid-1', at(100));
      expect(await store.getWebSession('sid-1', at(60))).not.toBeNull();
      await store.setWebSession('sid-2', { data: '{}', expiresAt: at(20) });
      expect(await store.pruneWebSessions(at(70))).toBeGreaterThanOrEqual(1);
      expect(await store.getWebSession('sid-2', at(0))).toBeNull();
      await store.destroyWebSession('sid-1');
      expect(await store.getWebSession('sid-1', at(0))).toBeNull();
    });

    it('answers a ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
