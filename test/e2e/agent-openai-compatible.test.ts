import { TaskState } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebSessionId } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '@agent-mesh/agent-runtime/testing';
import {
  createA2aClient,
  fixturePath,
  startAgentProcess,
  stopMeshProcesses,
  streamMessage,
} from './helpers/index.js';

describe('an agent on an OpenAI-compatible provider', () => {
  let database: TestDatabase;
  let fake: FakeOpenAiServer;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    fake = await startFakeOpenAiServer();
  });
  afterAll(async () => {
    await stopMeshProcesses();
    await fake.close();
    await database.drop();
  });

  it('recalls a fact across a restart, sending the stored conversation to the provider', async () => {
    const env = { AGENT_DATABASE_URL: database.url, MODEL_BASE_URL: fake.url };
    const contextId = createWebSessionId();
    const first = await startAgentProcess(fixturePath('agents/openai-compatible.yaml'), { env });
    const told = await streamMessage(await createA2aClient(first.url), {
      contextId,
      text: 'My favorite color is blue',
    });
    expect(told.state).toBe(TaskState.TASK_STATE_COMPLETED);
    await first.kill('SIGKILL');

    const second = await startAgentProcess(fixturePath('agents/openai-compatible.yaml'), { env });
    const asked = await streamMessage(await createA2aClient(second.url), {
      contextId,
      text: 'What is my favorite color?',
    });
    expect(asked.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(asked.text.toLowerCase()).toContain('blue');
    expect(asked.metadata).toMatchObject({
      model: 'openai-compatible/fake-recall',
      contextWindow: 8192,
      usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
    });

    const chats = fake.requests.filter((request) => request.path.endsWith('/chat/completions'));
    const lastPrompt = JSON.stringify(chats.at(-1)?.body);
    expect(lastPrompt).toContain('My favorite color is blue');
    expect(lastPrompt).toContain(told.text);
    expect(lastPrompt).toContain('You are a helpful assistant.');
  });
});
