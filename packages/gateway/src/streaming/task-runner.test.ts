import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../server.js';
import {
  scriptedReply,
  startScriptedAgent,
  type ScriptedAgent,
} from '../testing/scripted-a2a-agent.js';
import { assembleText, TaskSocketClient } from '../testing/task-socket-client.js';
import { ApiClient, startTestGateway, testGatewayConfig } from '../testing/test-gateway.js';

async function waitUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const longText = 'one two three four five six seven eight nine ten eleven twelve';

describe('TaskRunner with agent replicas', () => {
  let first: ScriptedAgent;
  let second: ScriptedAgent;
  let gateway: RunningGateway;
  let client: ApiClient;

  beforeAll(async () => {
    first = await startScriptedAgent({ delayMs: 20 });
    second = await startScriptedAgent({ delayMs: 20 });
    gateway = await startTestGateway(
      testGatewayConfig({ agents: [{ name: 'assistant', urls: [first.url, second.url] }] }),
      { agentProbeIntervalMs: 50 },
    );
    client = new ApiClient(gateway.url);
  });

  afterEach(async () => {
    // Every replica up again before the next test.
    await gateway.agents.refresh();
  });

  afterAll(async () => {
    await gateway?.close();
    await first?.close();
    await second?.close();
  });

  async function newSession(): Promise<string> {
    return (await client.request('POST', '/api/v1/sessions', { agent: 'assistant' })).body.id;
  }

  async function send(sessionId: string, text: string, wait = false): Promise<string> {
    const response = await client.request(
      'POST',
      `/api/v1/sessions/${sessionId}/messages${wait ? '?wait=true' : ''}`,
      { text },
    );
    return response.body.taskId as string;
  }

  function servedBy(messageId: string): ScriptedAgent[] {
    return [first, second].filter((agent) =>
      agent.received.some((message) => message.messageId === messageId),
    );
  }

  it('keeps the turns of a session on the replica that served it and spreads new sessions', async () => {
    const one = await newSession();
    const two = await newSession();
    const replicaOf = async (sessionId: string): Promise<ScriptedAgent[]> => {
      const taskId = await send(sessionId, 'hello', true);
      return servedBy(`${taskId}-user`);
    };
    const [firstOfOne] = await replicaOf(one);
    const [firstOfTwo] = await replicaOf(two);
    expect(firstOfOne).toBeDefined();
    expect(firstOfTwo).toBeDefined();
    expect(firstOfTwo).not.toBe(firstOfOne);
    for (let turn = 0; turn < 3; turn += 1) {
      expect(await replicaOf(one)).toEqual([firstOfOne]);
      expect(await replicaOf(two)).toEqual([firstOfTwo]);
    }
  });

  it('re-sends a turn whose replica dies mid-reply to the other one, replacing the partial text', async () => {
    const sessionId = await newSession();
    const taskId = await send(sessionId, longText);
    const messageId = `${taskId}-user`;
    const socket = await TaskSocketClient.open(gateway.url, client.cookie);
    socket.send({ type: 'subscribe', taskId, fromSeq: 0 });
    await waitUntil(async () => {
      const task = await client.request('GET', `/api/v1/tasks/${taskId}`);
      return task.body.text.length > 12;
    });
    const [dying] = servedBy(messageId);
    expect(dying).toBeDefined();
    dying?.dropConnections();

    const end = await socket.waitFor(
      (message) => message.type === 'task-event' && message.event.type === 'message-end',
    );
    expect(end.event).toMatchObject({ status: 'completed', text: scriptedReply(longText) });
    const task = (await client.request('GET', `/api/v1/tasks/${taskId}`)).body;
    expect(task).toMatchObject({ status: 'completed', text: scriptedReply(longText) });
    // The same message, under the same messageId, went to both replicas.
    expect(servedBy(messageId)).toHaveLength(2);
    const events = socket.events(taskId);
    expect(events.map((event) => event.seq)).toEqual(events.map((_event, index) => index + 1));
    expect(
      events.some((event) => event.event.type === 'message-delta' && event.event.replace),
    ).toBe(true);
    expect(assembleText(events)).toBe(task.text);
    const userId = (await client.request('GET', '/api/v1/config')).body.user.id as string;
    const stored = await gateway.store.getTask(taskId, userId);
    expect(stored?.metadata).toMatchObject({
      failovers: 1,
      agentUrl: dying === first ? second.url : first.url,
    });
    await socket.close();
  });

  it('moves a turn to the other replica when the serving one reports its own shutdown', async () => {
    const sessionId = await newSession();
    const taskId = await send(sessionId, longText);
    await waitUntil(async () => {
      const task = await client.request('GET', `/api/v1/tasks/${taskId}`);
      return task.body.text.length > 12;
    });
    const [stopping] = servedBy(`${taskId}-user`);
    stopping?.interruptRunning();
    const task = await waitUntil(async () => {
      const current = (await client.request('GET', `/api/v1/tasks/${taskId}`)).body;
      return current.status !== 'running' && current;
    });
    expect(task).toMatchObject({ status: 'completed', text: scriptedReply(longText) });
    expect(servedBy(`${taskId}-user`)).toHaveLength(2);
  });

  it('marks a replica that refuses connections down, uses the other, and probes it back', async () => {
    const port = first.port;
    await first.close();
    const sessionId = await newSession();
    for (let turn = 0; turn < 2; turn += 1) {
      const taskId = await send(sessionId, `turn ${turn}`, true);
      const task = (await client.request('GET', `/api/v1/tasks/${taskId}`)).body;
      expect(task).toMatchObject({ status: 'completed', text: scriptedReply(`turn ${turn}`) });
      expect(servedBy(`${taskId}-user`)).toEqual([second]);
    }
    const replicas = (): { url: string; available: boolean }[] =>
      gateway.agents.list()[0]?.replicas ?? [];
    expect(replicas().find((replica) => replica.url === first.url)?.available).toBe(false);
    first = await startScriptedAgent({ delayMs: 20, port });
    await waitUntil(() => replicas().every((replica) => replica.available));
  });

  it('ends the turn interrupted with the partial text when every replica died', async () => {
    const sessionId = await newSession();
    const taskId = await send(sessionId, longText);
    await waitUntil(async () => {
      const task = await client.request('GET', `/api/v1/tasks/${taskId}`);
      return task.body.text.length > 12;
    });
    const firstPort = first.port;
    const secondPort = second.port;
    await Promise.all([first.close(), second.close()]);
    const task = await waitUntil(async () => {
      const current = (await client.request('GET', `/api/v1/tasks/${taskId}`)).body;
      return current.status !== 'running' && current;
    });
    expect(task.status).toBe('interrupted');
    expect(scriptedReply(longText).startsWith(task.text)).toBe(true);
    expect(task.text.length).toBeGreaterThan(12);
    expect(task.error).toContain('Retry');
    first = await startScriptedAgent({ delayMs: 20, port: firstPort });
    second = await startScriptedAgent({ delayMs: 20, port: secondPort });
  });
});
