import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type AgentDatabase } from '@agent-mesh/shared';
import {
  createTestDatabase,
  testDatabaseProviders,
  type TestDatabase,
} from '@agent-mesh/shared/testing';
import { AgentSessionAdmin } from './agent-session-admin.js';
import type { SessionKey } from './session-service.js';
import { SqlSessionService } from './sql-session-service.js';

const day = 86_400_000;

describe.each(testDatabaseProviders)('AgentSessionAdmin on %s', (provider) => {
  let testDatabase: TestDatabase;
  let database: AgentDatabase;
  let sessions: SqlSessionService;
  let admin: AgentSessionAdmin;

  beforeAll(async () => {
    testDatabase = await createTestDatabase(provider);
    database = await openDatabase({ url: testDatabase.url, schema: 'agent' });
    sessions = new SqlSessionService(database);
    admin = new AgentSessionAdmin(database, 'assistant');
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  async function clear(): Promise<void> {
    await database.client.agentEvent.deleteMany();
    await database.client.agentSession.deleteMany();
    await database.client.a2aTask.deleteMany();
  }

  /** A session with `turns` user/agent exchanges, last active at `lastActive`, and its A2A task record. */
  async function seed(key: SessionKey, lastActive: Date, turns = 2): Promise<void> {
    await sessions.createSession(key, { topic: 'colors' });
    for (let turn = 1; turn <= turns; turn += 1) {
      await sessions.appendEvent(key, {
        invocationId: `task-${turn}`,
        author: 'user',
        messageId: `${key.sessionId}-m${turn}`,
        content: { role: 'user', parts: [{ type: 'text', text: `question ${turn}` }] },
      });
      await sessions.appendEvent(key, {
        invocationId: `task-${turn}`,
        author: key.appName,
        content: { role: 'assistant', parts: [{ type: 'text', text: `answer ${turn}` }] },
      });
    }
    await database.client.agentSession.updateMany({
      where: { appName: key.appName, userId: key.userId, id: key.sessionId },
      data: { updatedAt: lastActive },
    });
    // Task ids name the session; users of the ambiguous-id test get their own.
    const owner = key.userId.startsWith('user:') ? `-${key.userId}` : '';
    await task(`${key.appName}-${key.sessionId}${owner}`, key.appName, key.sessionId, lastActive);
  }

  async function task(id: string, appName: string, contextId: string, at: Date): Promise<void> {
    await database.client.a2aTask.create({
      data: { id, appName, contextId, data: '{}', createdAt: at, updatedAt: at },
    });
  }

  async function remaining(): Promise<{ sessions: string[]; events: number; tasks: string[] }> {
    const rows = await database.client.agentSession.findMany({
      select: { appName: true, id: true },
    });
    return {
      sessions: rows.map((row) => `${row.appName}/${row.id}`).sort(),
      events: await database.client.agentEvent.count(),
      tasks: (await database.client.a2aTask.findMany({ select: { id: true } }))
        .map((row) => row.id)
        .sort(),
    };
  }

  it("prunes exactly this agent's sessions inactive before the cutoff, with their events and task records, in batches", async () => {
    await clear();
    const cutoff = new Date(Date.now() - 30 * day);
    const key = (id: string, appName = 'assistant', userId = 'u1'): SessionKey => ({
      appName,
      userId,
      sessionId: id,
    });
    for (let index = 0; index < 4; index += 1) {
      await seed(
        key(`old-${index}`, 'assistant', `u${index % 2}`),
        new Date(cutoff.getTime() - (index + 1) * day),
      );
    }
    await seed(key('old-edge'), new Date(cutoff.getTime() - 1), 1);
    await seed(key('kept-edge'), cutoff, 1);
    await seed(key('recent'), new Date(), 3);
    await seed(key('old-other-agent', 'other'), new Date(cutoff.getTime() - 5 * day), 1);
    // A finished RUN_BASED run leaves a task record without a session: it ages out on its own.
    await task('run-task-old', 'assistant', 'web-session-run', new Date(cutoff.getTime() - day));
    await task('run-task-new', 'assistant', 'web-session-run', new Date());
    await task('other-run-task-old', 'other', 'web-session-run', new Date(cutoff.getTime() - day));
    expect((await remaining()).events).toBe(4 * 4 + 2 + 2 + 6 + 2);

    const dryRun = await admin.pruneSessions({ olderThan: cutoff, dryRun: true });
    expect(dryRun).toEqual({
      cutoff,
      dryRun: true,
      sessions: 5,
      related: { events: 18, tasks: 6 },
      batches: 0,
    });
    expect((await remaining()).events).toBe(28);

    const result = await admin.pruneSessions({ olderThan: cutoff, batchSize: 2 });
    expect(result).toMatchObject({
      dryRun: false,
      sessions: 5,
      related: { events: 18, tasks: 6 },
    });
    expect(result.batches).toBe(4); // 3 session batches (2 + 2 + 1) and one of orphaned task records
    expect(await remaining()).toEqual({
      sessions: ['assistant/kept-edge', 'assistant/recent', 'other/old-other-agent'],
      events: 2 + 6 + 2,
      tasks: [
        'assistant-kept-edge',
        'assistant-recent',
        'other-old-other-agent',
        'other-run-task-old',
        'run-task-new',
      ],
    });
    // The kept sessions still work: the next append continues their numbering.
    const appended = await sessions.appendEvent(key('recent'), {
      invocationId: 'task-4',
      author: 'user',
      content: { role: 'user', parts: [{ type: 'text', text: 'still here?' }] },
    });
    expect(appended.seq).toBe(7);
  });

  it('lists, exports and deletes sessions, and asks for the user when an id is ambiguous', async () => {
    await clear();
    await seed(
      { appName: 'assistant', userId: 'anon-1', sessionId: 'web-session-a' },
      new Date(Date.now() - day),
    );
    await seed(
      { appName: 'assistant', userId: 'user:ada', sessionId: 'web-session-b' },
      new Date(),
      1,
    );
    await seed(
      { appName: 'assistant', userId: 'user:bob', sessionId: 'web-session-b' },
      new Date(Date.now() - 2 * day),
      1,
    );
    await seed({ appName: 'other', userId: 'anon-1', sessionId: 'web-session-c' }, new Date());

    const listed = await admin.listSessions({ limit: 10 });
    expect(listed.map((session) => [session.id, session.userId, session.events])).toEqual([
      ['web-session-b', 'user:ada', 2],
      ['web-session-a', 'anon-1', 4],
      ['web-session-b', 'user:bob', 2],
    ]);
    expect((await admin.listSessions({ limit: 10, userId: 'anon-1' })).map((s) => s.id)).toEqual([
      'web-session-a',
    ]);

    const exported = await admin.exportSession({ id: 'web-session-a' });
    expect(exported.session).toMatchObject({
      id: 'web-session-a',
      userId: 'anon-1',
      state: { topic: 'colors' },
    });
    expect(exported.events.map((event) => [event.seq, event.author])).toEqual([
      [1, 'user'],
      [2, 'assistant'],
      [3, 'user'],
      [4, 'assistant'],
    ]);
    expect(exported.events[0]?.content).toEqual({
      role: 'user',
      parts: [{ type: 'text', text: 'question 1' }],
    });

    await expect(admin.exportSession({ id: 'web-session-b' })).rejects.toMatchObject({
      code: 'REQUEST_INVALID',
      message: expect.stringContaining('--user'),
    });
    expect(
      (await admin.exportSession({ id: 'web-session-b', userId: 'user:bob' })).session.userId,
    ).toBe('user:bob');
    await expect(admin.exportSession({ id: 'web-session-c' })).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
      message: expect.stringContaining('web-session-c'),
    });

    expect(await admin.deleteSession({ id: 'web-session-a' })).toEqual({ events: 4, tasks: 1 });
    await expect(admin.deleteSession({ id: 'web-session-a' })).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
    });
    expect(
      await sessions.getSession({
        appName: 'assistant',
        userId: 'anon-1',
        sessionId: 'web-session-a',
      }),
    ).toBeNull();
    expect(
      await sessions.getSession({ appName: 'other', userId: 'anon-1', sessionId: 'web-session-c' }),
    ).not.toBeNull();
  });
});
