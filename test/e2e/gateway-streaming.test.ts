import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { ApiClient } from '../../packages/gateway/src/testing/test-gateway.js';
import {
  assembleText,
  TaskSocketClient,
} from '../../packages/gateway/src/testing/task-socket-client.js';
import {
  fixturePath,
  startAgentProcess,
  stopMeshProcesses,
  waitFor,
  type AgentProcess,
} from './helpers/index.js';
import { startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.js';

// Many facts in one message make the built-in model answer with a long reply; with delay_ms it streams
// slowly enough to subscribe, refresh and kill the gateway mid-reply.
const longMessage =
  'My color is blue. My pet is a cat. My city is Paris. My car is red. My food is pizza. ' +
  'My sport is tennis. My drink is tea. My book is Dune. My song is Yesterday. My tree is an oak.';

describe('gateway streaming, isolation and crash recovery with real processes', () => {
  let gatewayDatabase: TestDatabase;
  let agentDatabase: TestDatabase;
  let agent: AgentProcess;
  let gateway: GatewayProcess;
  let gatewayEnv: Record<string, string>;
  let owner: ApiClient;
  let sessionId: string;

  beforeAll(async () => {
    gatewayDatabase = await createTestDatabase('sqlite');
    agentDatabase = await createTestDatabase('sqlite');
    agent = await startAgentProcess(fixturePath('agents/recall-sql.yaml'), {
      env: { AGENT_DATABASE_URL: agentDatabase.url, MODEL_DELAY_MS: '40' },
    });
    gatewayEnv = { GATEWAY_DATABASE_URL: gatewayDatabase.url, AGENT_URL: agent.url };
    gateway = await startGatewayProcess(fixturePath('gateway/gateway-sql.yaml'), {
      env: gatewayEnv,
    });
    owner = new ApiClient(gateway.url);
    sessionId = (await owner.request('POST', '/api/v1/sessions', { agent: 'assistant' })).body.id;
  });

  afterAll(async () => {
    await stopMeshProcesses();
    await gatewayDatabase?.drop();
    await agentDatabase?.drop();
  });

  async function sendLong(): Promise<string> {
    const sent = await owner.request('POST', `/api/v1/sessions/${sessionId}/messages`, {
      text: longMessage,
    });
    expect(sent.status).toBe(202);
    return sent.body.taskId as string;
  }

  async function taskOf(
    taskId: string,
    client = owner,
  ): Promise<{ status: string; text: string; lastSeq: number }> {
    return (await client.request('GET', `/api/v1/tasks/${taskId}`)).body;
  }

  it('lets no other cookie list, read, rename, delete, post to or subscribe to the session', async () => {
    const taskId = (
      await owner.request('POST', `/api/v1/sessions/${sessionId}/messages?wait=true`, {
        text: 'My secret is 42',
      })
    ).body.taskId;
    const other = new ApiClient(gateway.url);
    expect((await other.request('GET', '/api/v1/sessions')).body.sessions).toEqual([]);
    const statuses = [
      (await other.request('GET', `/api/v1/sessions/${sessionId}`)).status,
      (await other.request('GET', `/api/v1/sessions/${sessionId}/messages`)).status,
      (await other.request('PATCH', `/api/v1/sessions/${sessionId}`, { name: 'taken' })).status,
      (await other.request('DELETE', `/api/v1/sessions/${sessionId}`)).status,
      (await other.request('POST', `/api/v1/sessions/${sessionId}/messages`, { text: 'hi' }))
        .status,
      (await other.request('GET', `/api/v1/tasks/${taskId}`)).status,
    ];
    expect(statuses).toEqual([404, 404, 404, 404, 404, 404]);
    const socket = await TaskSocketClient.open(gateway.url, other.cookie);
    socket.send({ type: 'subscribe', taskId, fromSeq: 0 });
    expect(await socket.waitFor((message) => message.type === 'error')).toMatchObject({
      code: 'TASK_NOT_FOUND',
    });
    expect(socket.events(taskId)).toEqual([]);
    await socket.close();
    const history = (await owner.request('GET', `/api/v1/sessions/${sessionId}/messages`)).body
      .messages;
    expect(history.map((message: { text: string }) => message.text)).toContain('My secret is 42');
  });

  it('streams a reply to sockets that join mid-reply from seq 0 or later and to a refreshed page', async () => {
    const taskId = await sendLong();
    const progress = await waitFor(async () => {
      const task = await taskOf(taskId);
      return task.text.length > 20 && task;
    });
    expect(progress.status).toBe('running');

    const fromStart = await TaskSocketClient.open(gateway.url, owner.cookie);
    fromStart.send({ type: 'subscribe', taskId, fromSeq: 0 });
    const later = await TaskSocketClient.open(gateway.url, owner.cookie);
    later.send({ type: 'subscribe', taskId, fromSeq: progress.lastSeq });

    // A page refresh: the first socket goes away mid-stream, a new one resumes from the last seq seen.
    const refreshed = await TaskSocketClient.open(gateway.url, owner.cookie);
    refreshed.send({ type: 'subscribe', taskId, fromSeq: 0 });
    await refreshed.waitFor((message) => message.type === 'subscribed');
    const seenBeforeRefresh = refreshed.events(taskId);
    await refreshed.close();
    const resumed = await TaskSocketClient.open(gateway.url, owner.cookie);
    const lastSeen = seenBeforeRefresh[seenBeforeRefresh.length - 1]!.seq;
    resumed.send({ type: 'subscribe', taskId, fromSeq: lastSeen });

    const isEnd = (message: { type: string; event?: { type: string } }): boolean =>
      message.type === 'task-event' && message.event?.type === 'message-end';
    await Promise.all([
      fromStart.waitFor(isEnd, 30_000),
      later.waitFor(isEnd, 30_000),
      resumed.waitFor(isEnd, 30_000),
    ]);

    const stored = await taskOf(taskId);
    expect(stored.status).toBe('completed');
    expect(stored.text.toLowerCase()).toContain('blue');
    const all = fromStart.events(taskId);
    expect(all.map((event) => event.seq)).toEqual(all.map((_event, index) => index + 1));
    expect(assembleText(all)).toBe(stored.text);
    expect(all[all.length - 1]?.event).toMatchObject({
      type: 'message-end',
      status: 'completed',
      text: stored.text,
    });
    expect(all.length).toBeGreaterThan(3);

    const tail = later.events(taskId);
    expect(tail.map((event) => event.seq)).toEqual(
      all.slice(progress.lastSeq).map((event) => event.seq),
    );
    expect(progress.text + assembleText(tail)).toBe(stored.text);

    const stitched = [...seenBeforeRefresh, ...resumed.events(taskId)];
    expect(stitched.map((event) => event.seq)).toEqual(all.map((event) => event.seq));
    expect(assembleText(stitched)).toBe(stored.text);
    await Promise.all([fromStart.close(), later.close(), resumed.close()]);
  });

  it('shows a reply cut by a gateway SIGKILL as interrupted with its partial text, and retries it', async () => {
    const taskId = await sendLong();
    const partial = await waitFor(async () => {
      const task = await taskOf(taskId);
      return task.text.length > 20 && task;
    });
    await gateway.kill('SIGKILL');
    gateway = await startGatewayProcess(fixturePath('gateway/gateway-sql.yaml'), {
      env: gatewayEnv,
    });
    const browser = new ApiClient(gateway.url);
    browser.cookie = owner.cookie;

    const interrupted = await taskOf(taskId, browser);
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.text.startsWith(partial.text)).toBe(true);
    const socket = await TaskSocketClient.open(gateway.url, browser.cookie);
    socket.send({ type: 'subscribe', taskId, fromSeq: 0 });
    const end = await socket.waitFor(
      (message) => message.type === 'task-event' && message.event.type === 'message-end',
    );
    expect(end.event).toMatchObject({ status: 'interrupted', text: interrupted.text });
    await socket.close();
    const history = (await browser.request('GET', `/api/v1/sessions/${sessionId}/messages`)).body
      .messages;
    expect(history[history.length - 1]).toMatchObject({
      taskId,
      role: 'agent',
      status: 'interrupted',
    });

    const retried = await browser.request('POST', `/api/v1/tasks/${taskId}/retry`);
    expect(retried.status).toBe(202);
    const done = await waitFor(
      async () => {
        const task = await taskOf(retried.body.taskId, browser);
        return task.status !== 'running' && task;
      },
      { timeoutMs: 30_000, description: 'the retried reply to finish' },
    );
    expect(done.status).toBe('completed');
    expect(done.text.toLowerCase()).toContain('blue');
  });
});
