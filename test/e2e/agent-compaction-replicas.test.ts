import { randomUUID } from 'node:crypto';
import { TaskState } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebSessionId, openDatabase, type CompactSessionResponse } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { createSessionService, estimateWindow, type SessionEvent } from '@agent-mesh/agent-runtime';
import {
  startFakeOpenAiServer,
  summarisingReply,
  type FakeOpenAiServer,
} from '@agent-mesh/agent-runtime/testing';
import {
  callAgentManagement,
  createA2aClient,
  fixturePath,
  readAgentSessions,
  startAgentProcess,
  stopMeshProcesses,
  streamMessage,
  type AgentProcess,
} from './helpers/index.js';

const fixture = fixturePath('agents/compaction-slow-summarizer.yaml');
const instruction = 'You are a helpful assistant.';
const waitedMessage = 'Session was compacted while waiting for the lock; not compacting again';
const filler = 'I note this down so that we can come back to it much later.';

/**
 * Stores exchanges in a session through the agent's own session service, as the runner would, until the
 * next prompt would be at least `minTokens` by the agent's estimate; returns how many were stored.
 */
async function seedSession(url: string, sessionId: string, minTokens: number): Promise<number> {
  const database = await openDatabase({ url, schema: 'agent' });
  const sessions = createSessionService({ type: 'sql', database });
  try {
    const key = { appName: 'assistant', userId: 'ada', sessionId };
    await sessions.getOrCreateSession(key);
    const events: SessionEvent[] = [];
    let count = 0;
    while (estimateWindow(instruction, null, events) < minTokens) {
      count += 1;
      const invocationId = `seed-${count}`;
      events.push(
        await sessions.appendEvent(key, {
          invocationId,
          author: 'user',
          messageId: randomUUID(),
          content: {
            role: 'user',
            parts: [
              { type: 'text', text: `The code for locker ${count} is ${4700 + count}. ${filler}` },
            ],
          },
        }),
      );
      events.push(
        await sessions.appendEvent(key, {
          invocationId,
          author: 'assistant',
          content: {
            role: 'assistant',
            parts: [
              { type: 'text', text: `Got it: the code for locker ${count} is ${4700 + count}.` },
            ],
          },
        }),
      );
    }
    return count;
  } finally {
    await sessions.close();
    await database.close();
  }
}

async function compactionsOf(url: string, sessionId: string): Promise<number> {
  const session = (await readAgentSessions(url)).find((item) => item.id === sessionId);
  return (session?.events ?? []).filter((event) => event.actions?.compaction !== undefined).length;
}

describe('two replicas of one agent on one PostgreSQL database', () => {
  let database: TestDatabase;
  let summarizer: FakeOpenAiServer;
  let replicas: AgentProcess[];

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
    // A summariser that takes 400 ms, like a real one, so a second compaction would overlap the first.
    summarizer = await startFakeOpenAiServer({
      responseDelayMs: 400,
      reply: summarisingReply,
    });
    const env = { AGENT_DATABASE_URL: database.url, SUMMARIZER_BASE_URL: summarizer.url };
    replicas = [];
    replicas.push(await startAgentProcess(fixture, { env }));
    replicas.push(await startAgentProcess(fixture, { env }));
  });
  afterAll(async () => {
    await stopMeshProcesses();
    await summarizer.close();
    await database.drop();
  });

  it('compacts once when both overflow on the same session at the same moment', async () => {
    const contextId = createWebSessionId();
    await seedSession(database.url, contextId, 1400);
    const clients = await Promise.all(replicas.map((replica) => createA2aClient(replica.url)));
    const texts = ['first', 'second'].map(
      (which) =>
        `My ${which} pet is called ${which === 'first' ? 'Rex' : 'Tom'}. ${filler.repeat(8)}`,
    );
    const replies = await Promise.all(
      clients.map((client, index) =>
        streamMessage(client, {
          contextId,
          text: texts[index] ?? '',
          metadata: { userId: 'ada' },
        }),
      ),
    );
    for (const reply of replies) {
      expect(reply.state, reply.statusText).toBe(TaskState.TASK_STATE_COMPLETED);
    }
    expect(await compactionsOf(database.url, contextId)).toBe(1);
    // Both overflowed: one compacted, the other waited for the lock, found the new summary and retried.
    expect(replies.filter((reply) => reply.metadata.compaction !== undefined)).toHaveLength(1);
    const waited = await Promise.any(
      replicas.map((replica) => replica.waitForLine((line) => line.includes(waitedMessage), 5000)),
    );
    expect(waited).toContain(contextId);
    const events =
      (await readAgentSessions(database.url)).find((item) => item.id === contextId)?.events ?? [];
    for (const text of texts) expect(events.filter((event) => event.text === text)).toHaveLength(1);
  });

  it('compacts once when the manual endpoint is called on both at once', async () => {
    const contextId = createWebSessionId();
    await seedSession(database.url, contextId, 600);
    const request = { sessionId: contextId, userId: 'ada' };
    const answers = await Promise.all(
      replicas.map((replica) =>
        callAgentManagement<CompactSessionResponse>(replica.url, 'POST', '/sessions/compact', {
          body: request,
        }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(answers.map((answer) => answer.body.status).sort()).toEqual([
      'already-compacted',
      'compacted',
    ]);
    const [first, second] = answers.map((answer) => answer.body);
    expect(first?.compactionSeq).toBe(second?.compactionSeq);
    expect(first?.summary).toBe(second?.summary);
    expect(await compactionsOf(database.url, contextId)).toBe(1);
  });
});
