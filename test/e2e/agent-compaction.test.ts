import { TaskState } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebSessionId, type CompactSessionResponse } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import {
  callAgentManagement,
  createA2aClient,
  fixturePath,
  readAgentSessions,
  readAgentTasks,
  startAgentProcess,
  stopMeshProcesses,
  streamMessage,
} from './helpers/index.js';
import { chatFortyTurnsAcrossKill, contextUsageAfter, fortyTurns } from './helpers/forty-turns.js';

const fixture = fixturePath('agents/compaction-builtin.yaml');

afterAll(() => stopMeshProcesses());

describe.each(['sqlite', 'postgresql'] as const)(
  'compaction on %s with the built-in model',
  (provider) => {
    let database: TestDatabase;

    beforeAll(async () => {
      database = await createTestDatabase(provider);
    });
    afterAll(async () => {
      await stopMeshProcesses();
      await database.drop();
    });

    it('keeps 40 exchanges going in a 1500-token window across a SIGKILL and recalls turn 1 at turn 40', async () => {
      const env = { AGENT_DATABASE_URL: database.url, CONTEXT_WINDOW: '1500' };
      const { agent, contextId, replies } = await chatFortyTurnsAcrossKill(fixture, env);
      expect(replies.at(-1)?.text).toBe('Your name is Ada Lovelace.');

      // Turns that compacted carry the short note; the others do not.
      const noted = replies.filter((reply) => reply.metadata.compaction !== undefined);
      expect(noted.length).toBeGreaterThanOrEqual(3);
      expect(noted.length).toBeLessThan(replies.length);
      for (const reply of noted) {
        const note = reply.metadata.compaction as Record<string, number>;
        expect(Object.keys(note).sort()).toEqual(['tokensAfter', 'tokensBefore', 'turnsCompacted']);
        expect(note.turnsCompacted).toBeGreaterThanOrEqual(1);
        expect(note.tokensAfter).toBeLessThan(note.tokensBefore ?? 0);
      }
      expect(replies.slice(20).some((reply) => reply.metadata.compaction !== undefined)).toBe(true);

      const session = (await readAgentSessions(database.url)).find((item) => item.id === contextId);
      const events = session?.events ?? [];
      // Every user message stored exactly once, in order, retries after compaction included.
      expect(events.filter((event) => event.author === 'user').map((event) => event.text)).toEqual(
        fortyTurns,
      );
      const compactions = events.filter((event) => event.actions?.compaction !== undefined);
      expect(compactions.length).toBe(noted.length);
      for (const event of compactions) {
        expect(event.author).toBe('system');
        expect(event.actions?.compaction).toMatchObject({
          summary: expect.stringContaining('Ada Lovelace'),
          startSeq: 1,
          endSeq: expect.any(Number),
          tokensBefore: expect.any(Number),
          tokensAfter: expect.any(Number),
          reason: 'overflow',
        });
      }
      // The originals stay stored.
      expect(events.filter((event) => event.author === 'assistant')).toHaveLength(40);

      const { usage, lastInputTokens } = await contextUsageAfter(agent, contextId, replies);
      expect(usage.status).toBe(200);
      expect(usage.body).toMatchObject({
        inputTokens: lastInputTokens,
        estimated: false,
        contextWindow: 1500,
        compactions: compactions.length,
        lastCompaction: { seq: compactions.at(-1)?.seq, reason: 'overflow' },
      });
      expect(usage.body.percent).toBeGreaterThan(0);
      expect(usage.body.percent).toBeLessThanOrEqual(100);
    });

    it('fails a message that alone does not fit with the numbers, stores it once, and goes on', async () => {
      const agent = await startAgentProcess(fixture, {
        env: { AGENT_DATABASE_URL: database.url, CONTEXT_WINDOW: '1500' },
      });
      const client = await createA2aClient(agent.url);
      const contextId = createWebSessionId();
      const first = await streamMessage(client, {
        contextId,
        text: 'My favorite color is blue.',
        metadata: { userId: 'ada' },
      });
      expect(first.state).toBe(TaskState.TASK_STATE_COMPLETED);
      const huge = `Please remember this essay: ${'the quick brown fox jumps over the lazy dog '.repeat(160)}`;
      const failed = await streamMessage(client, {
        contextId,
        text: huge,
        metadata: { userId: 'ada' },
      });

      expect(failed.state).toBe(TaskState.TASK_STATE_FAILED);
      expect(failed.statusText).toMatch(
        /^Your latest message alone needs about \d+ tokens, but the model's context window is 1500 tokens\. Shorten the message or use a model with a larger context window\.$/,
      );
      const error = failed.metadata.error as { code: string; details: Record<string, number> };
      expect(error.code).toBe('CONTEXT_OVERFLOW');
      expect(error.details.limit).toBe(1500);
      expect(error.details.requested).toBeGreaterThan(1500);

      const events =
        (await readAgentSessions(database.url)).find((item) => item.id === contextId)?.events ?? [];
      expect(events.filter((event) => event.text === huge)).toHaveLength(1);
      const notice = events.at(-1);
      expect(notice?.author).toBe('assistant');
      expect(notice?.text).toBe(failed.statusText);
      expect(notice?.content?.parts).toContainEqual({
        type: 'data',
        data: expect.objectContaining({ replyStatus: 'failed' }),
      });
      expect(events.filter((event) => event.actions?.compaction !== undefined)).toEqual([]);

      const next = await streamMessage(client, {
        contextId,
        text: 'What is my favorite color?',
        metadata: { userId: 'ada' },
      });
      expect(next.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(next.text).toBe('Your favorite color is blue.');
    });
  },
);

describe('manual compaction through the agent management API', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    await stopMeshProcesses();
    await database.drop();
  });

  it('compacts 3, 6 and 11 of 12 turns for compaction_percentage 0.25, 0.5 and 1.0', async () => {
    const token = 'management-secret';
    const table: Array<{ percentage: number; turnsCompacted: number }> = [];
    for (const percentage of [0.25, 0.5, 1.0]) {
      const agent = await startAgentProcess(fixture, {
        env: {
          AGENT_DATABASE_URL: database.url,
          AGENT_NAME: `manual-${String(percentage).replace('.', '-')}`,
          CONTEXT_WINDOW: '100000',
          COMPACTION_PERCENTAGE: String(percentage),
          AGENT_TOKEN: token,
        },
      });
      const client = await createA2aClient(agent.url, 'JSONRPC', token);
      const card = await client.getAgentCard();
      const management = card.capabilities?.extensions.find((extension) =>
        extension.uri.includes('session-persistence'),
      )?.params?.management;
      expect(management).toBe('/mesh/v1');

      const contextId = createWebSessionId();
      for (const text of fortyTurns.slice(0, 12)) {
        const reply = await streamMessage(client, { contextId, text, metadata: { userId: 'ada' } });
        expect(reply.state).toBe(TaskState.TASK_STATE_COMPLETED);
        expect(reply.metadata.compaction).toBeUndefined();
      }
      const request = { sessionId: contextId, userId: 'ada' };
      const refused = await callAgentManagement(agent.url, 'POST', '/sessions/compact', {
        body: request,
      });
      expect(refused.status).toBe(401);

      const compacted = await callAgentManagement<CompactSessionResponse>(
        agent.url,
        'POST',
        '/sessions/compact',
        { body: request, token },
      );
      expect(compacted.status).toBe(200);
      expect(compacted.body).toMatchObject({ status: 'compacted', percentage });
      expect(compacted.body.summary).toContain('Ada Lovelace');
      table.push({ percentage, turnsCompacted: compacted.body.turnsCompacted });

      // The next turn's prompt is instruction, summary and the remaining turns: recall still works.
      const asked = await streamMessage(client, {
        contextId,
        text: 'What is my name?',
        metadata: { userId: 'ada' },
      });
      expect(asked.text).toBe('Your name is Ada Lovelace.');

      const deleted = await callAgentManagement(agent.url, 'DELETE', '/sessions', {
        query: request,
        token,
      });
      expect(deleted.status).toBe(204);
      const gone = await callAgentManagement(agent.url, 'GET', '/sessions/context-usage', {
        query: request,
        token,
      });
      expect(gone.status).toBe(404);
      const tasks = await readAgentTasks(database.url);
      expect(tasks.filter((task) => JSON.stringify(task.data).includes(contextId))).toEqual([]);
      await agent.kill('SIGTERM');
    }
    expect(table).toEqual([
      { percentage: 0.25, turnsCompacted: 3 },
      { percentage: 0.5, turnsCompacted: 6 },
      { percentage: 1.0, turnsCompacted: 11 },
    ]);
  });
});
