import { TaskState } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebSessionId } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '@agent-mesh/agent-runtime/testing';
import {
  createA2aClient,
  fixturePath,
  getFreePort,
  readAgentSessions,
  startAgentProcess,
  stopMeshProcesses,
  streamMessage,
  type AgentProcess,
} from './helpers/index.js';

async function postJsonRpc(
  url: string,
  body: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function expectAlive(agent: AgentProcess): Promise<void> {
  expect((await fetch(`${agent.url}/healthz`)).status).toBe(200);
  expect(agent.child.exitCode).toBeNull();
}

describe('an agent given bad input', () => {
  let database: TestDatabase;
  let agent: AgentProcess;
  const contextId = createWebSessionId();

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    agent = await startAgentProcess(fixturePath('agents/recall-sql.yaml'), {
      env: { AGENT_DATABASE_URL: database.url },
    });
    const told = await streamMessage(await createA2aClient(agent.url), {
      contextId,
      text: 'My favorite color is blue',
    });
    expect(told.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });
  afterAll(async () => {
    await stopMeshProcesses();
    await database.drop();
  });

  it('answers malformed JSON-RPC with a parse error and stays up', async () => {
    const malformed = await postJsonRpc(agent.url, '{"jsonrpc": "2.0", "method": ');
    expect(malformed.json.error).toMatchObject({
      code: -32700,
      message: expect.stringContaining('Invalid JSON'),
    });
    const unknownMethod = await postJsonRpc(
      agent.url,
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tasks/explode', params: {} }),
    );
    expect(unknownMethod.json.error).toMatchObject({ code: -32601 });
    const noMessage = await postJsonRpc(
      agent.url,
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'message/send', params: {} }),
    );
    expect((noMessage.json.error as { code: number }).code).toBeLessThan(0);
    await expectAlive(agent);
  });

  it('answers an unknown task id with task-not-found, on tasks/get and tasks/cancel', async () => {
    const get = await postJsonRpc(
      agent.url,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'tasks/get',
        params: { id: 'no-such-task' },
      }),
    );
    expect(get.json.error).toMatchObject({
      code: -32001,
      message: expect.stringContaining('no-such-task'),
    });
    const cancel = await postJsonRpc(
      agent.url,
      JSON.stringify({
        jsonrpc: '2.0',
        id: 4,
        method: 'tasks/cancel',
        params: { id: 'no-such-task' },
      }),
    );
    expect(cancel.json.error).toMatchObject({ code: -32001 });
    const client = await createA2aClient(agent.url, 'HTTP+JSON');
    await expect(client.getTask({ tenant: '', id: 'no-such-task' })).rejects.toThrow(
      /no-such-task/,
    );
    await expectAlive(agent);
  });

  it('rejects a 2 MB message with a clear error before storing anything', async () => {
    const before = await readAgentSessions(database.url);
    const client = await createA2aClient(agent.url);
    const big = 'x'.repeat(2 * 1000 * 1000);
    await expect(streamMessage(client, { contextId, text: big })).rejects.toThrow(
      /2000000 bytes.*at most 1048576 bytes \(limits\.max_message_bytes\)/,
    );
    // Far beyond the limit, the body itself is refused (HTTP 413) with the same advice.
    const huge = await fetch(`${agent.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 5,
        method: 'message/send',
        params: {
          message: {
            kind: 'message',
            messageId: 'm-huge',
            role: 'user',
            contextId,
            parts: [{ kind: 'text', text: 'y'.repeat(3_000_000) }],
          },
        },
      }),
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { message: string } }).error.message).toContain(
      'limits.max_message_bytes',
    );
    expect(await readAgentSessions(database.url)).toEqual(before);
    await expectAlive(agent);
    const asked = await streamMessage(client, { contextId, text: 'What is my favorite color?' });
    expect(asked.text.toLowerCase()).toContain('blue');
  });
});

describe('an agent whose model provider fails', () => {
  let database: TestDatabase;
  let fake: FakeOpenAiServer;
  let agent: AgentProcess;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    fake = await startFakeOpenAiServer();
    agent = await startAgentProcess(fixturePath('agents/openai-compatible.yaml'), {
      env: { AGENT_DATABASE_URL: database.url, MODEL_BASE_URL: fake.url },
    });
  });
  afterAll(async () => {
    await stopMeshProcesses();
    await fake.close();
    await database.drop();
  });

  it('fails a turn on a garbage response with a clear message and loses nothing', async () => {
    const client = await createA2aClient(agent.url);
    const contextId = createWebSessionId();
    expect(
      (await streamMessage(client, { contextId, text: 'My favorite color is blue' })).state,
    ).toBe(TaskState.TASK_STATE_COMPLETED);
    fake.setFailWith({ type: 'garbage' });
    const failed = await streamMessage(client, { contextId, text: 'I live in Oslo' });
    expect(failed.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(failed.metadata.error).toMatchObject({
      code: 'LLM_CALL_FAILED',
      message: expect.stringContaining('openai-compatible/fake-recall'),
    });
    expect(failed.statusText).toBe((failed.metadata.error as { message: string }).message);
    await expectAlive(agent);

    fake.setFailWith(undefined);
    const asked = await streamMessage(client, {
      contextId,
      text: 'What is my favorite color? Where do I live?',
    });
    expect(asked.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(asked.text.toLowerCase()).toContain('blue');
    expect(asked.text).toContain('Oslo');
    const events =
      (await readAgentSessions(database.url)).find((session) => session.id === contextId)?.events ??
      [];
    expect(
      events.map((event) => `${event.author}:${event.author === 'user' ? event.text : ''}`),
    ).toEqual([
      'user:My favorite color is blue',
      'assistant:',
      'user:I live in Oslo',
      'user:What is my favorite color? Where do I live?',
      'assistant:',
    ]);
  });

  it('fails a turn when the provider is down, saying it could not be reached', async () => {
    const downPort = await getFreePort();
    const down = await startAgentProcess(fixturePath('agents/openai-compatible.yaml'), {
      env: {
        AGENT_DATABASE_URL: database.url,
        AGENT_NAME: 'offline',
        MODEL_BASE_URL: `http://127.0.0.1:${downPort}/v1`,
      },
    });
    const contextId = createWebSessionId();
    const failed = await streamMessage(await createA2aClient(down.url), {
      contextId,
      text: 'My favorite color is blue',
    });
    expect(failed.state).toBe(TaskState.TASK_STATE_FAILED);
    expect((failed.metadata.error as { message: string }).message).toMatch(
      /could not be reached.*base_url/,
    );
    await expectAlive(down);
    const events =
      (await readAgentSessions(database.url)).find((session) => session.id === contextId)?.events ??
      [];
    expect(events.map((event) => event.text)).toEqual(['My favorite color is blue']);
  });
});
