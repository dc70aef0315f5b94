import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { generalSummaryInstruction } from '@agent-mesh/agent-runtime';
import {
  startFakeOpenAiServer,
  summarisingReply,
  type FakeOpenAiServer,
} from '@agent-mesh/agent-runtime/testing';
import { fixturePath, readAgentSessions, stopMeshProcesses } from './helpers/index.js';
import { chatFortyTurnsAcrossKill, contextUsageAfter, fortyTurns } from './helpers/forty-turns.js';

const fixture = fixturePath('agents/compaction-openai.yaml');

/** Whether a recorded chat request was a summarisation (the agent's instruction for any non-builtin model). */
function isSummaryRequest(body: unknown): boolean {
  const messages = (body as { messages?: Array<{ role: string; content: unknown }> }).messages;
  return messages?.[0]?.role === 'system' && messages[0].content === generalSummaryInstruction;
}

describe('compaction on an OpenAI-compatible provider that answers with the real overflow error', () => {
  let database: TestDatabase;
  let fake: FakeOpenAiServer;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    fake = await startFakeOpenAiServer({
      contextWindow: 1500,
      // The fake follows a summarisation instruction as a real model would: it keeps every stated fact.
      reply: summarisingReply,
    });
  });
  afterAll(async () => {
    await stopMeshProcesses();
    await fake.close();
    await database.drop();
  });

  it('keeps 40 exchanges going across a SIGKILL and recalls turn 1 at turn 40', async () => {
    const env = {
      AGENT_DATABASE_URL: database.url,
      MODEL_BASE_URL: fake.url,
      CONTEXT_WINDOW: '1500',
    };
    const { agent, contextId, replies } = await chatFortyTurnsAcrossKill(fixture, env);
    expect(replies.at(-1)?.text).toBe('Your name is Ada Lovelace.');
    expect(replies.at(-1)?.metadata).toMatchObject({
      model: 'openai-compatible/fake-recall',
      contextWindow: 1500,
    });

    const noted = replies.filter((reply) => reply.metadata.compaction !== undefined);
    expect(noted.length).toBeGreaterThanOrEqual(3);
    const chats = fake.requests.filter((request) => request.path === '/v1/chat/completions');
    expect(chats.filter((request) => isSummaryRequest(request.body))).toHaveLength(noted.length);
    // Each compaction followed an overflow: one more failed chat call per compaction than turns.
    const turnCalls = chats.filter((request) => !isSummaryRequest(request.body));
    expect(turnCalls).toHaveLength(fortyTurns.length + noted.length);

    const events =
      (await readAgentSessions(database.url)).find((item) => item.id === contextId)?.events ?? [];
    expect(events.filter((event) => event.author === 'user').map((event) => event.text)).toEqual(
      fortyTurns,
    );
    const compactions = events.filter((event) => event.actions?.compaction !== undefined);
    expect(compactions).toHaveLength(noted.length);
    expect(compactions.at(-1)?.actions?.compaction).toMatchObject({
      summary: expect.stringContaining('Ada Lovelace'),
      model: expect.stringContaining('fake-recall'),
      reason: 'overflow',
    });

    const { usage, lastInputTokens } = await contextUsageAfter(agent, contextId, replies);
    expect(usage.body).toMatchObject({
      inputTokens: lastInputTokens,
      estimated: false,
      contextWindow: 1500,
      compactions: compactions.length,
    });
  });
});
