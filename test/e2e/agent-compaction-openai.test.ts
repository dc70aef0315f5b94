import { TaskState } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebSessionId, type ContextUsageResponse } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import {
  answerFromTranscript,
  builtinSummaryInstruction,
  generalSummaryInstruction,
} from '@agent-mesh/agent-runtime';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '@agent-mesh/agent-runtime/testing';
import {
  callAgentManagement,
  createA2aClient,
  fixturePath,
  readAgentSessions,
  startAgentProcess,
  stopMeshProcesses,
  streamMessage,
  type StreamedReply,
} from './helpers/index.js';

const fixture = fixturePath('agents/compaction-openai.yaml');
const filler =
  'I am writing this down so that we can come back to it much later in this chat. It is a long ' +
  'note, full of words, that only exists to make the conversation longer than the window allows.';
const fortyTurns = [
  'My name is Ada Lovelace.',
  ...Array.from(
    { length: 38 },
    (_, index) => `The code for locker ${index + 1} is ${4701 + index}. ${filler}`,
  ),
  'What is my name?',
];

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
      reply: (messages) =>
        answerFromTranscript(
          messages.map((message) =>
            message.role === 'system' && message.content === generalSummaryInstruction
              ? { role: 'system', content: builtinSummaryInstruction }
              : message,
          ),
        ),
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
    const contextId = createWebSessionId();
    let agent = await startAgentProcess(fixture, { env });
    let client = await createA2aClient(agent.url);
    const replies: StreamedReply[] = [];
    for (const [index, text] of fortyTurns.entries()) {
      if (index === 20) {
        await agent.kill('SIGKILL');
        agent = await startAgentProcess(fixture, { env });
        client = await createA2aClient(agent.url);
      }
      const reply = await streamMessage(client, { contextId, text, metadata: { userId: 'ada' } });
      expect(reply.state, `turn ${index + 1}: ${reply.statusText}`).toBe(
        TaskState.TASK_STATE_COMPLETED,
      );
      replies.push(reply);
    }
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

    const usage = await callAgentManagement<ContextUsageResponse>(
      agent.url,
      'GET',
      '/sessions/context-usage',
      { query: { sessionId: contextId, userId: 'ada' } },
    );
    const lastCalls = (replies.at(-1)?.metadata.usage as { calls: Array<{ inputTokens: number }> })
      .calls;
    expect(usage.body).toMatchObject({
      inputTokens: lastCalls.at(-1)?.inputTokens,
      estimated: false,
      contextWindow: 1500,
      compactions: compactions.length,
    });
  });
});
