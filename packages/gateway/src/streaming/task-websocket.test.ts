import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../server.js';
import {
  startScriptedAgent,
  scriptedReply,
  type ScriptedAgent,
} from '../testing/scripted-a2a-agent.js';
import { assembleText, TaskSocketClient } from '../testing/task-socket-client.js';
import { ApiClient, startTestGateway, testGatewayConfig } from '../testing/test-gateway.js';

const longText = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen';

function expectContiguous(events: { seq: number }[], firstSeq: number): void {
  expect(events.map((event) => event.seq)).toEqual(events.map((_event, index) => firstSeq + index));
}

describe('task streaming over WebSocket', () => {
  let agent: ScriptedAgent;
  let gateway: RunningGateway;
  let client: ApiClient;
  let sessionId: string;

  beforeAll(async () => {
    agent = await startScriptedAgent({ delayMs: 25 });
    gateway = await startTestGateway(
      testGatewayConfig({ agents: [{ name: 'assistant', url: agent.url }] }),
    );
    client = new ApiClient(gateway.url);
    sessionId = (await client.request('POST', '/api/v1/sessions', { agent: 'assistant' })).body.id;
  });

  afterAll(async () => {
    await gateway?.close();
    await agent?.close();
  });

  async function send(text: string): Promise<string> {
    return (await client.request('POST', `/api/v1/sessions/${sessionId}/messages`, { text })).body
      .taskId as string;
  }

  async function waitForText(
    taskId: string,
    length: number,
  ): Promise<{ lastSeq: number; text: string }> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const task = (await client.request('GET', `/api/v1/tasks/${taskId}`)).body;
      if (task.text.length >= length) return task;
      if (Date.now() > deadline) throw new Error('reply did not progress');
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
  }

  it('replays from seq 0 mid-reply, then streams live, without gaps or duplicates', async () => {
    const taskId = await send(longText);
    await waitForText(taskId, 15);
    const socket = await TaskSocketClient.open(gateway.url, client.cookie);
    socket.send({ type: 'subscribe', taskId, fromSeq: 0 });
    await socket.waitFor(
      (message) => message.type === 'task-event' && message.event.type === 'message-end',
    );
    const events = socket.events(taskId);
    expectContiguous(events, 1);
    expect(events[0]?.event).toEqual({ type: 'message-start', agent: 'assistant' });
    const end = events[events.length - 1]?.event;
    expect(end).toMatchObject({
      type: 'message-end',
      status: 'completed',
      text: scriptedReply(longText),
    });
    expect(assembleText(events)).toBe(scriptedReply(longText));
    const subscribedAt = socket.messages.findIndex((message) => message.type === 'subscribed');
    expect(subscribedAt).toBeGreaterThan(0);
    const stored = (await client.request('GET', `/api/v1/tasks/${taskId}`)).body;
    expect(stored.text).toBe(assembleText(events));
    expect(stored.lastSeq).toBe(events[events.length - 1]?.seq);
    await socket.close();
  });

  it('starts after a later seq and resumes on a new socket (a page refresh)', async () => {
    const taskId = await send(longText);
    const progress = await waitForText(taskId, 10);
    const first = await TaskSocketClient.open(gateway.url, client.cookie);
    first.send({ type: 'subscribe', taskId, fromSeq: progress.lastSeq });
    await first.waitFor((message) => message.type === 'subscribed');
    await first.waitFor(
      (message) => message.type === 'task-event' && message.seq > progress.lastSeq + 1,
    );
    const seen = first.events(taskId);
    expectContiguous(seen, progress.lastSeq + 1);
    await first.close();

    const lastSeen = seen[seen.length - 1]!.seq;
    const second = await TaskSocketClient.open(gateway.url, client.cookie);
    second.send({ type: 'subscribe', taskId, fromSeq: lastSeen });
    await second.waitFor(
      (message) => message.type === 'task-event' && message.event.type === 'message-end',
    );
    const rest = second.events(taskId);
    expectContiguous(rest, lastSeen + 1);

    const everything = await TaskSocketClient.open(gateway.url, client.cookie);
    everything.send({ type: 'subscribe', taskId, fromSeq: 0 });
    await everything.waitFor((message) => message.type === 'subscribed');
    const all = everything.events(taskId);
    expect(all.slice(progress.lastSeq).map((event) => event.seq)).toEqual(
      [...seen, ...rest].map((event) => event.seq),
    );
    expect(assembleText(all)).toBe(scriptedReply(longText));
    await second.close();
    await everything.close();
  });

  it('refuses to stream the task of another user', async () => {
    const taskId = await send('mine only');
    const intruder = new ApiClient(gateway.url);
    await intruder.request('GET', '/api/v1/config');
    const socket = await TaskSocketClient.open(gateway.url, intruder.cookie);
    socket.send({ type: 'subscribe', taskId, fromSeq: 0 });
    const error = await socket.waitFor((message) => message.type === 'error');
    expect(error).toMatchObject({ code: 'TASK_NOT_FOUND', taskId });
    expect(socket.events(taskId)).toEqual([]);
    await socket.close();
  });

  it('answers ping and explains malformed messages', async () => {
    const socket = await TaskSocketClient.open(gateway.url, client.cookie);
    socket.send({ type: 'ping' });
    await socket.waitFor((message) => message.type === 'pong');
    socket.send({ type: 'subscribe', fromSeq: 0 });
    const error = await socket.waitFor((message) => message.type === 'error');
    expect(error).toMatchObject({ code: 'REQUEST_INVALID' });
    expect(error.message).toContain('taskId');
    await socket.close();
  });

  it('refuses upgrades without a session or from a foreign origin', async () => {
    await expect(TaskSocketClient.open(gateway.url, undefined)).rejects.toThrow('401');
    await expect(
      TaskSocketClient.open(gateway.url, client.cookie, 'http://evil.example'),
    ).rejects.toThrow('403');
    const sameOrigin = await TaskSocketClient.open(gateway.url, client.cookie, gateway.url);
    await sameOrigin.close();
  });
});
