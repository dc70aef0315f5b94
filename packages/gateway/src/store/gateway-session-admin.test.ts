import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshError, openDatabase, type GatewayDatabase } from '@agent-mesh/shared';
import {
  createTestDatabase,
  testDatabaseProviders,
  type TestDatabase,
} from '@agent-mesh/shared/testing';
import { seedGatewaySession } from '../testing/seed-gateway-sessions.js';
import { GatewaySessionAdmin } from './gateway-session-admin.js';
import { SqlGatewayStore } from './sql-gateway-store.js';

const day = 86_400_000;

describe.each(testDatabaseProviders)('GatewaySessionAdmin on %s', (provider) => {
  let testDatabase: TestDatabase;
  let database: GatewayDatabase;
  let store: SqlGatewayStore;
  let admin: GatewaySessionAdmin;

  beforeAll(async () => {
    testDatabase = await createTestDatabase(provider);
    database = await openDatabase({ url: testDatabase.url, schema: 'gateway' });
    store = new SqlGatewayStore(database);
    admin = new GatewaySessionAdmin(database);
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });

  async function counts(): Promise<Record<string, number>> {
    const client = database.client;
    return {
      sessions: await client.chatSession.count(),
      tasks: await client.chatTask.count(),
      taskEvents: await client.taskEvent.count(),
      feedback: await client.feedback.count(),
      compactions: await client.sessionCompaction.count(),
    };
  }

  /** A compaction checkpoint of a session, as the gateway records one. */
  async function checkpoint(sessionId: string, userId: string, at: Date): Promise<void> {
    await database.client.sessionCompaction.create({
      data: {
        id: `compaction-${sessionId}`,
        sessionId,
        userId,
        agent: 'assistant',
        reason: 'overflow',
        turnsCompacted: 1,
        tokensBefore: 900,
        tokensAfter: 200,
        summary: 'They talked about colors.',
        createdAt: at,
      },
    });
  }

  async function clear(): Promise<void> {
    await database.client.sessionCompaction.deleteMany();
    await database.client.feedback.deleteMany();
    await database.client.taskEvent.deleteMany();
    await database.client.chatTask.deleteMany();
    await database.client.chatSession.deleteMany();
  }

  it('prunes exactly the sessions inactive before the cutoff, with their tasks, events and feedback, in batches', async () => {
    await clear();
    const cutoff = new Date(Date.now() - 30 * day);
    const old = [];
    for (let index = 0; index < 7; index += 1) {
      old.push(
        await seedGatewaySession(store, {
          userId: `user-${index % 2}`,
          lastActive: new Date(cutoff.getTime() - (index + 1) * day),
        }),
      );
    }
    old.push(
      await seedGatewaySession(store, {
        userId: 'user-edge',
        lastActive: new Date(cutoff.getTime() - 1),
      }),
    );
    const kept = [
      await seedGatewaySession(store, { userId: 'user-edge', lastActive: cutoff }),
      await seedGatewaySession(store, { userId: 'user-0', lastActive: new Date(Date.now() - day) }),
      await seedGatewaySession(store, { userId: 'user-1', lastActive: new Date(), tasks: 3 }),
    ];
    await checkpoint(old[0]?.session.id ?? '', 'user-0', new Date(cutoff.getTime() - 5 * day));
    await checkpoint(kept[1]?.session.id ?? '', 'user-0', new Date(Date.now() - day));
    const before = await counts();
    expect(before).toEqual({
      sessions: 11,
      tasks: 23,
      taskEvents: 69,
      feedback: 23,
      compactions: 2,
    });

    const dryRun = await admin.pruneSessions({ olderThan: cutoff, dryRun: true });
    expect(dryRun).toEqual({
      cutoff,
      dryRun: true,
      sessions: 8,
      related: { tasks: 16, taskEvents: 48, feedback: 16, compactions: 1 },
      batches: 0,
    });
    expect(await counts()).toEqual(before);

    const result = await admin.pruneSessions({ olderThan: cutoff, batchSize: 3 });
    expect(result).toEqual({
      cutoff,
      dryRun: false,
      sessions: 8,
      related: { tasks: 16, taskEvents: 48, feedback: 16, compactions: 1 },
      batches: 3,
    });
    expect(await counts()).toEqual({
      sessions: 3,
      tasks: 7,
      taskEvents: 21,
      feedback: 7,
      compactions: 1,
    });
    const remaining = await database.client.chatSession.findMany({ select: { id: true } });
    expect(remaining.map((row) => row.id).sort()).toEqual(
      kept.map((seeded) => seeded.session.id).sort(),
    );
    const remainingTasks = await database.client.chatTask.findMany({ select: { id: true } });
    expect(remainingTasks.map((row) => row.id).sort()).toEqual(
      kept.flatMap((seeded) => seeded.taskIds).sort(),
    );

    const again = await admin.pruneSessions({ olderThan: cutoff });
    expect(again.sessions).toBe(0);
  });

  it('stops between batches when its signal aborts', async () => {
    await clear();
    const cutoff = new Date();
    for (let index = 0; index < 4; index += 1) {
      await seedGatewaySession(store, {
        userId: 'u',
        lastActive: new Date(cutoff.getTime() - (index + 1) * day),
        tasks: 1,
      });
    }
    const controller = new AbortController();
    const first = admin.pruneSessions({
      olderThan: cutoff,
      batchSize: 1,
      signal: controller.signal,
    });
    controller.abort();
    const result = await first;
    expect(result.sessions).toBeLessThan(4);
    expect((await counts()).sessions).toBe(4 - result.sessions);
  });

  it('lists, exports and deletes sessions of any user, and names unknown ids', async () => {
    await clear();
    const first = await seedGatewaySession(store, {
      userId: 'anon-1',
      lastActive: new Date(Date.now() - 2 * day),
    });
    const second = await seedGatewaySession(store, {
      userId: 'user:ada',
      lastActive: new Date(Date.now() - day),
      tasks: 1,
    });

    const all = await admin.listSessions({ limit: 10 });
    expect(all.map((session) => [session.id, session.userId, session.tasks])).toEqual([
      [second.session.id, 'user:ada', 1],
      [first.session.id, 'anon-1', 2],
    ]);
    expect((await admin.listSessions({ limit: 10, userId: 'anon-1' })).map((s) => s.id)).toEqual([
      first.session.id,
    ]);
    expect(await admin.listSessions({ limit: 1 })).toHaveLength(1);

    await checkpoint(first.session.id, 'anon-1', new Date(Date.now() - 2 * day));
    const exported = await admin.exportSession(first.session.id, { events: true });
    expect(exported.compactions).toEqual([
      expect.objectContaining({ reason: 'overflow', turnsCompacted: 1, tokensAfter: 200 }),
    ]);
    expect(exported.session).toMatchObject({ id: first.session.id, userId: 'anon-1' });
    expect(
      exported.tasks.map((task) => [task.userMessage, task.responseText, task.status]),
    ).toEqual([
      ['question 1', 'answer 1', 'completed'],
      ['question 2', 'answer 2', 'completed'],
    ]);
    expect(exported.tasks[0]?.feedback).toEqual([
      expect.objectContaining({ userId: 'anon-1', rating: 'up' }),
    ]);
    expect(exported.tasks[0]?.events?.map((event) => event.type)).toEqual([
      'message-start',
      'message-delta',
      'message-end',
    ]);
    expect((await admin.exportSession(first.session.id)).tasks[0]?.events).toBeUndefined();

    expect(await admin.deleteSession(first.session.id)).toEqual({
      tasks: 2,
      taskEvents: 6,
      feedback: 2,
      compactions: 1,
    });
    expect((await counts()).sessions).toBe(1);
    const missing = await admin.deleteSession(first.session.id).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(MeshError);
    expect(missing).toMatchObject({ code: 'SESSION_NOT_FOUND' });
    expect((missing as Error).message).toContain(first.session.id);
    await expect(admin.exportSession('web-session-nope')).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
    });
  });
});
