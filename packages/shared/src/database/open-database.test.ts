import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMeshError } from '../errors/mesh-error.js';
import { createTestDatabase, testDatabaseProviders, type TestDatabase } from '../testing/index.js';
import { isUniqueConstraintError } from './database-errors.js';
import type { AgentDatabase, GatewayDatabase } from './database-types.js';
import { openDatabase } from './open-database.js';

// Past 64 KiB (MySQL TEXT) and 16 MiB would be slow; 300 KB proves LONGTEXT.
const longText = 'Zürich 🚀 '.repeat(30_000);
const moment = new Date('2026-03-04T05:06:07.089Z');

describe.each(testDatabaseProviders)('openDatabase on %s', (provider) => {
  const databases: TestDatabase[] = [];
  let agent: AgentDatabase;
  let gateway: GatewayDatabase;

  beforeAll(async () => {
    const [agentDatabase, gatewayDatabase] = await Promise.all([
      createTestDatabase(provider),
      createTestDatabase(provider),
    ]);
    databases.push(agentDatabase, gatewayDatabase);
    [agent, gateway] = await Promise.all([
      openDatabase({ url: agentDatabase.url, schema: 'agent' }),
      openDatabase({ url: gatewayDatabase.url, schema: 'gateway' }),
    ]);
  });

  afterAll(async () => {
    await agent?.close();
    await gateway?.close();
    for (const database of databases) await database.drop();
  });

  it('reports its provider and a redacted URL, and answers ping', async () => {
    expect(agent.provider).toBe(provider);
    expect(agent.schema).toBe('agent');
    await expect(agent.ping()).resolves.toBeUndefined();
  });

  describe('agent schema', () => {
    it('round-trips sessions and events, with defaults, DateTime, long text and cascade delete', async () => {
      const client = agent.client;
      const session = await client.agentSession.create({
        data: { appName: 'assistant', userId: 'ada', id: 'web-session-1', state: '{"topic":"x"}' },
      });
      expect(session).toMatchObject({ lastSeq: 0, compactionSeq: null, state: '{"topic":"x"}' });
      expect(session.createdAt).toBeInstanceOf(Date);
      expect(session.pk).toBeGreaterThan(0);

      await client.agentEvent.create({
        data: {
          sessionPk: session.pk,
          seq: 1,
          id: 'e1',
          invocationId: 'inv-1',
          author: 'user',
          messageId: 'm1',
          content: longText,
          actions: '{"stateDelta":{}}',
          usage: '{"inputTokens":3}',
          timestamp: moment,
        },
      });
      await client.agentEvent.create({
        data: {
          sessionPk: session.pk,
          seq: 2,
          id: 'e2',
          invocationId: 'inv-1',
          author: 'assistant',
          timestamp: moment,
        },
      });
      const events = await client.agentEvent.findMany({
        where: { sessionPk: session.pk },
        orderBy: { seq: 'asc' },
      });
      expect(events.map((event) => event.seq)).toEqual([1, 2]);
      expect(events[0]?.content).toBe(longText);
      expect(events[0]?.timestamp.toISOString()).toBe(moment.toISOString());
      expect(events[1]).toMatchObject({
        messageId: null,
        content: null,
        actions: null,
        usage: null,
      });

      const updated = await client.agentSession.update({
        where: { appName_userId_id: { appName: 'assistant', userId: 'ada', id: 'web-session-1' } },
        data: { lastSeq: 2, compactionSeq: 1, updatedAt: moment },
      });
      expect(updated).toMatchObject({ lastSeq: 2, compactionSeq: 1, updatedAt: moment });

      await client.agentSession.delete({ where: { pk: session.pk } });
      expect(await client.agentEvent.count({ where: { sessionPk: session.pk } })).toBe(0);
    });

    it('enforces the unique keys of sessions and events', async () => {
      const client = agent.client;
      const data = { appName: 'assistant', userId: 'bob', id: 'web-session-2', state: '{}' };
      const session = await client.agentSession.create({ data });
      const duplicateSession = await client.agentSession
        .create({ data })
        .catch((error: unknown) => error);
      expect(isUniqueConstraintError(duplicateSession)).toBe(true);

      const event = {
        sessionPk: session.pk,
        id: 'e',
        invocationId: 'i',
        author: 'user',
        timestamp: moment,
      };
      await client.agentEvent.create({ data: { ...event, seq: 1, messageId: 'same' } });
      const sameSeq = await client.agentEvent
        .create({ data: { ...event, seq: 1 } })
        .catch((e: unknown) => e);
      expect(isUniqueConstraintError(sameSeq)).toBe(true);
      const sameMessage = await client.agentEvent
        .create({ data: { ...event, seq: 2, messageId: 'same' } })
        .catch((error: unknown) => error);
      expect(isUniqueConstraintError(sameMessage)).toBe(true);
      // NULL message ids never collide.
      await client.agentEvent.createMany({
        data: [
          { ...event, seq: 3 },
          { ...event, seq: 4 },
        ],
      });

      const placeholder = provider === 'postgresql' ? '$1' : '?';
      const rawDuplicate = await client
        .$executeRawUnsafe(
          `INSERT INTO events (session_pk, seq, id, invocation_id, author, timestamp) VALUES (${[
            1, 2, 3, 4, 5, 6,
          ]
            .map((n) => (provider === 'postgresql' ? `$${n}` : placeholder))
            .join(', ')})`,
          session.pk,
          1,
          'e',
          'i',
          'user',
          moment,
        )
        .catch((error: unknown) => error);
      expect(isUniqueConstraintError(rawDuplicate)).toBe(true);
    });

    it('refuses an event whose session does not exist', async () => {
      const error = await agent.client.agentEvent
        .create({
          data: {
            sessionPk: 999_999,
            seq: 1,
            id: 'e',
            invocationId: 'i',
            author: 'user',
            timestamp: moment,
          },
        })
        .catch((reason: unknown) => reason);
      expect((error as { code?: string }).code).toBe('P2003');
    });

    it('round-trips app state, user state and A2A tasks', async () => {
      const client = agent.client;
      await client.appState.create({ data: { appName: 'assistant', state: '{"app:a":1}' } });
      await client.appState.update({
        where: { appName: 'assistant' },
        data: { state: '{"app:a":2}' },
      });
      expect((await client.appState.findUnique({ where: { appName: 'assistant' } }))?.state).toBe(
        '{"app:a":2}',
      );

      await client.userState.upsert({
        where: { appName_userId: { appName: 'assistant', userId: 'ada' } },
        create: { appName: 'assistant', userId: 'ada', state: '{}' },
        update: {},
      });
      await client.userState.upsert({
        where: { appName_userId: { appName: 'assistant', userId: 'ada' } },
        create: { appName: 'assistant', userId: 'ada', state: '{}' },
        update: { state: '{"user:b":true}' },
      });
      expect(await client.userState.findMany({ where: { appName: 'assistant' } })).toEqual([
        expect.objectContaining({ userId: 'ada', state: '{"user:b":true}' }),
      ]);

      await client.a2aTask.create({
        data: { id: 'task-1', appName: 'assistant', contextId: 'web-session-1', data: longText },
      });
      const task = await client.a2aTask.findFirst({
        where: { appName: 'assistant', contextId: 'web-session-1' },
      });
      expect(task?.data).toBe(longText);

      await client.a2aTask.delete({ where: { id: 'task-1' } });
      await client.userState.delete({
        where: { appName_userId: { appName: 'assistant', userId: 'ada' } },
      });
      await client.appState.delete({ where: { appName: 'assistant' } });
      expect(await client.a2aTask.count()).toBe(0);
      expect(await client.userState.count()).toBe(0);
      expect(await client.appState.count()).toBe(0);
    });
  });

  describe('gateway schema', () => {
    it('round-trips sessions, tasks, task events and feedback, cascading deletes from the session', async () => {
      const client = gateway.client;
      const session = await client.chatSession.create({
        data: { id: 'web-session-9', userId: 'ada', name: 'Trip to Zürich', agent: 'assistant' },
      });
      expect(session.lastViewedAt).toBeNull();
      const task = await client.chatTask.create({
        data: {
          id: 'task-9',
          sessionId: session.id,
          userId: 'ada',
          agent: 'assistant',
          clientMessageId: 'client-1',
          userMessage: 'Hello',
          status: 'running',
        },
      });
      expect(task).toMatchObject({
        responseText: '',
        lastEventSeq: 0,
        usage: null,
        completedAt: null,
      });

      await client.taskEvent.createMany({
        data: [
          { taskId: task.id, seq: 1, type: 'message-start', data: '{}' },
          { taskId: task.id, seq: 2, type: 'message-delta', data: longText },
        ],
      });
      const done = await client.chatTask.update({
        where: { id: task.id },
        data: {
          status: 'completed',
          responseText: longText,
          usage: '{"inputTokens":10}',
          metadata: '{}',
          error: null,
          lastEventSeq: 2,
          completedAt: moment,
        },
      });
      expect(done.completedAt?.toISOString()).toBe(moment.toISOString());
      expect(
        (await client.taskEvent.findUnique({ where: { taskId_seq: { taskId: task.id, seq: 2 } } }))
          ?.data,
      ).toBe(longText);

      await client.feedback.create({
        data: {
          id: 'fb-1',
          taskId: task.id,
          sessionId: session.id,
          userId: 'ada',
          rating: 'up',
          comment: 'great',
        },
      });
      const twice = await client.feedback
        .create({
          data: {
            id: 'fb-2',
            taskId: task.id,
            sessionId: session.id,
            userId: 'ada',
            rating: 'down',
          },
        })
        .catch((error: unknown) => error);
      expect(isUniqueConstraintError(twice)).toBe(true);

      const sameClientMessage = await client.chatTask
        .create({
          data: {
            id: 'task-10',
            sessionId: session.id,
            userId: 'ada',
            agent: 'assistant',
            clientMessageId: 'client-1',
            userMessage: 'Hello again',
            status: 'running',
          },
        })
        .catch((error: unknown) => error);
      expect(isUniqueConstraintError(sameClientMessage)).toBe(true);

      await client.chatSession.update({
        where: { id: session.id },
        data: { lastViewedAt: moment, name: 'Renamed' },
      });
      await client.chatSession.delete({ where: { id: session.id } });
      expect(await client.chatTask.count()).toBe(0);
      expect(await client.taskEvent.count()).toBe(0);
      expect(await client.feedback.count()).toBe(0);
    });

    it('round-trips web sessions and gateway settings', async () => {
      const client = gateway.client;
      await client.webSession.create({
        data: { sid: 'sid-1', data: '{"cookie":{}}', expiresAt: moment },
      });
      const expired = await client.webSession.findMany({
        where: { expiresAt: { lte: new Date('2027-01-01') } },
      });
      expect(expired.map((row) => row.sid)).toEqual(['sid-1']);
      await client.webSession.delete({ where: { sid: 'sid-1' } });

      await client.gatewaySetting.create({
        data: { key: 'session_secret', value: 'a'.repeat(64) },
      });
      await client.gatewaySetting.update({
        where: { key: 'session_secret' },
        data: { value: 'b' },
      });
      expect(
        (await client.gatewaySetting.findUnique({ where: { key: 'session_secret' } }))?.value,
      ).toBe('b');
      await client.gatewaySetting.delete({ where: { key: 'session_secret' } });
      expect(await client.gatewaySetting.count()).toBe(0);
    });
  });
});

describe('openDatabase on SQLite files', () => {
  it('creates the folder and opens the file in WAL mode with foreign keys on', async () => {
    const database = await createTestDatabase('sqlite');
    const file = join(dirname(database.name), 'new', 'folder', 'agent.db');
    const opened = await openDatabase({ url: `sqlite:///${file}`, schema: 'agent' });
    try {
      expect(existsSync(file)).toBe(true);
      const [foreignKeys] =
        await opened.client.$queryRawUnsafe<Array<{ foreign_keys: bigint }>>('PRAGMA foreign_keys');
      expect(Number(foreignKeys?.foreign_keys)).toBe(1);
      const [sync] =
        await opened.client.$queryRawUnsafe<Array<{ synchronous: bigint }>>('PRAGMA synchronous');
      expect(Number(sync?.synchronous)).toBe(1); // NORMAL
      const check = new Database(file, { readonly: true });
      expect(check.pragma('journal_mode', { simple: true })).toBe('wal');
      check.close();
    } finally {
      await opened.close();
      rmSync(dirname(dirname(file)), { recursive: true, force: true });
      await database.drop();
    }
  });

  it('with migrate: false opens without creating tables', async () => {
    const database = await createTestDatabase('sqlite');
    const opened = await openDatabase({ url: database.url, schema: 'gateway', migrate: false });
    try {
      const tables = await opened.client.$queryRawUnsafe<unknown[]>(
        "SELECT name FROM sqlite_master WHERE type = 'table'",
      );
      expect(tables).toEqual([]);
    } finally {
      await opened.close();
      await database.drop();
    }
  });
});

describe.each(testDatabaseProviders.filter((provider) => provider !== 'sqlite'))(
  'openDatabase against an unreachable %s server',
  (provider) => {
    it('fails with DATABASE_UNAVAILABLE naming host, port and database', async () => {
      const url = `${provider}://u:secret@127.0.0.1:9/agent_db`;
      const error: unknown = await openDatabase({
        url,
        schema: 'agent',
        migrate: false,
        pool: { connect_timeout_ms: 2000 },
      }).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(isMeshError(error, 'DATABASE_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toContain('"agent_db" at 127.0.0.1:9');
      expect((error as Error).message).not.toContain('secret');
    });
  },
);
