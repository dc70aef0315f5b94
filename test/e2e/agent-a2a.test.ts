import { TaskState } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebSessionId } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import {
  createA2aClient,
  fixturePath,
  readAgentSessions,
  readAgentTasks,
  startAgentProcess,
  stopMeshProcesses,
  streamMessage,
  type AgentProcess,
} from './helpers/index.js';

const extensionUri = 'https://agent-mesh.dev/extensions/session-persistence/v1';

describe('an agent over A2A', () => {
  let database: TestDatabase;
  let agent: AgentProcess;
  let other: AgentProcess;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    // Two agents on one database: isolated by app name. The first streams slowly so it can be canceled.
    [agent, other] = await Promise.all([
      startAgentProcess(fixturePath('agents/recall-sql.yaml'), {
        env: { AGENT_DATABASE_URL: database.url, AGENT_NAME: 'assistant', MODEL_DELAY_MS: '40' },
      }),
      startAgentProcess(fixturePath('agents/recall-sql.yaml'), {
        env: { AGENT_DATABASE_URL: database.url, AGENT_NAME: 'other' },
      }),
    ]);
  });
  afterAll(async () => {
    await stopMeshProcesses();
    await database.drop();
  });

  it.each(['JSONRPC', 'HTTP+JSON'] as const)(
    'streams a reply to a standard A2A client over %s',
    async (binding) => {
      const client = await createA2aClient(agent.url, binding);
      expect(client.transport.protocolName).toBe(binding);
      const contextId = createWebSessionId();
      await streamMessage(client, { contextId, text: 'My name is Ada' });
      const reply = await streamMessage(client, { contextId, text: 'What is my name?' });
      expect(reply.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(reply.text).toContain('Ada');
      expect(reply.chunks).toBeGreaterThan(2);
      expect(reply.metadata).toMatchObject({
        sessionId: contextId,
        userId: 'anonymous',
        model: 'builtin/recall',
        contextWindow: 4096,
        usage: {
          inputTokens: expect.any(Number),
          outputTokens: expect.any(Number),
          totalTokens: expect.any(Number),
        },
      });
      const usage = reply.metadata.usage as { calls: unknown[]; inputTokens: number };
      expect(usage.calls).toHaveLength(1);
      expect(usage.inputTokens).toBeGreaterThan(0);
    },
  );

  it('answers an A2A 0.3 JSON-RPC message/send from an older client', async () => {
    const contextId = createWebSessionId();
    const response = await fetch(`${agent.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'message/send',
        params: {
          message: {
            kind: 'message',
            messageId: crypto.randomUUID(),
            role: 'user',
            contextId,
            parts: [{ kind: 'text', text: 'I live in Lisbon' }],
            metadata: { userId: 'legacy-user' },
          },
        },
      }),
    });
    const body = (await response.json()) as {
      result: {
        kind: string;
        status: { state: string };
        artifacts: Array<{ parts: Array<{ text: string }> }>;
        metadata: Record<string, unknown>;
      };
    };
    expect(body.result.kind).toBe('task');
    expect(body.result.status.state).toBe('completed');
    expect(body.result.artifacts[0]?.parts[0]?.text).toContain('Lisbon');
    expect(body.result.metadata).toMatchObject({ sessionId: contextId, userId: 'legacy-user' });
  });

  it('serves its card on both well-known paths, declaring persistent sessions', async () => {
    for (const path of ['/.well-known/agent-card.json', '/.well-known/agent.json']) {
      const response = await fetch(`${agent.url}${path}`, { headers: { 'A2A-Version': '1.0' } });
      expect(response.status).toBe(200);
      const card = (await response.json()) as {
        name: string;
        supportedInterfaces: Array<{
          url: string;
          protocolBinding: string;
          protocolVersion: string;
        }>;
        capabilities: { streaming: boolean; extensions: Array<{ uri: string; params: unknown }> };
      };
      expect(card.name).toBe('assistant');
      expect(card.capabilities.streaming).toBe(true);
      expect(card.capabilities.extensions).toContainEqual(
        expect.objectContaining({
          uri: extensionUri,
          params: { persistence: 'sql', behavior: 'PERSISTENT', management: '/mesh/v1' },
        }),
      );
      expect(card.supportedInterfaces).toContainEqual({
        url: agent.url,
        protocolBinding: 'JSONRPC',
        tenant: '',
        protocolVersion: '1.0',
      });
      expect(
        card.supportedInterfaces.map((item) => `${item.protocolBinding}@${item.protocolVersion}`),
      ).toEqual(expect.arrayContaining(['JSONRPC@0.3', 'HTTP+JSON@1.0', 'HTTP+JSON@0.3']));
    }
    const legacy = (await (
      await fetch(`${agent.url}/.well-known/agent-card.json`)
    ).json()) as Record<string, unknown>;
    expect(legacy).toMatchObject({
      protocolVersion: '0.3',
      url: agent.url,
      preferredTransport: 'JSONRPC',
    });
  });

  it('reports health and readiness', async () => {
    const health = await fetch(`${agent.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${agent.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, model: { ok: true } },
    });
  });

  it('cancels a running reply on tasks/cancel and keeps the partial reply', async () => {
    const client = await createA2aClient(agent.url);
    const contextId = createWebSessionId();
    let canceled: Promise<unknown> | undefined;
    const reply = await streamMessage(client, {
      contextId,
      text: 'My name is Ada and my favorite color is blue and I live in Paris and I work at the observatory',
      onChunk: (partial) => {
        canceled ??= client.cancelTask({ tenant: '', id: partial.taskId, metadata: undefined });
      },
    });
    const task = (await canceled) as { status?: { state: TaskState } };
    expect(task.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect(reply.state).toBe(TaskState.TASK_STATE_CANCELED);
    const sessions = await readAgentSessions(database.url);
    const events = sessions.find((session) => session.id === contextId)?.events ?? [];
    expect(events.map((event) => event.author)).toEqual(['user', 'assistant']);
    const stored = events[1];
    expect(stored?.text.length).toBeGreaterThan(0);
    expect(reply.text.startsWith(stored?.text ?? '?')).toBe(true);
    expect(stored?.content?.parts).toContainEqual({
      type: 'data',
      data: { replyStatus: 'canceled' },
    });
  });

  it('keeps two agents on one database apart for the same user and contextId', async () => {
    const contextId = createWebSessionId();
    const metadata = { userId: 'alice' };
    const told = await streamMessage(await createA2aClient(agent.url), {
      contextId,
      text: 'My favorite color is blue',
      metadata,
    });
    expect(told.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const otherClient = await createA2aClient(other.url);
    const asked = await streamMessage(otherClient, {
      contextId,
      text: 'What is my favorite color?',
      metadata,
    });
    expect(asked.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(asked.text.toLowerCase()).not.toContain('blue');
    // Neither the events nor the tasks of one agent are visible to the other.
    await expect(otherClient.getTask({ tenant: '', id: told.taskId })).rejects.toThrow(
      /not found/i,
    );
    const sessions = (await readAgentSessions(database.url)).filter(
      (session) => session.id === contextId,
    );
    expect(sessions.map((session) => `${session.appName}/${session.userId}`)).toEqual([
      'assistant/alice',
      'other/alice',
    ]);
    for (const session of sessions) {
      expect(session.events.map((event) => event.author)).toEqual(['user', session.appName]);
    }
    const tasks = await readAgentTasks(database.url);
    expect(tasks.find((task) => task.id === told.taskId)?.appName).toBe('assistant');
    expect(tasks.find((task) => task.id === asked.taskId)?.appName).toBe('other');
  });
});
