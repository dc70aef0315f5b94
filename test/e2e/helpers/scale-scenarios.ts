import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ApiClient } from '../../../packages/gateway/src/testing/test-gateway.js';
import {
  assembleText,
  TaskSocketClient,
  type ServerMessage,
} from '../../../packages/gateway/src/testing/task-socket-client.js';
import { readAgentSessions } from './agent-database.js';
import { repoRoot } from './mesh-process.js';
import type { ScaleCluster } from './scale-cluster.js';
import { waitFor } from './wait-for.js';

/** Ten facts make the built-in model answer at length; with delay_ms the reply streams for a while. */
export const longMessage =
  'My color is blue. My pet is a cat. My city is Paris. My car is red. My food is pizza. ' +
  'My sport is tennis. My drink is tea. My book is Dune. My song is Yesterday. My tree is an oak.';

/** A WebSocket client that also notes when each message arrived. */
export interface TimedSocket {
  client: TaskSocketClient;
  /** Arrival time (Date.now()) of each entry of `client.messages`, same index. */
  times: number[];
}

/** Opens /api/v1/ws on a gateway with a cookie and subscribes to a task from seq 0. */
export async function subscribeTimed(
  baseUrl: string,
  cookie: string | undefined,
  taskId: string,
): Promise<TimedSocket> {
  const client = await TaskSocketClient.open(baseUrl, cookie);
  const times: number[] = [];
  client.socket.on('message', () => times.push(Date.now()));
  client.send({ type: 'subscribe', taskId, fromSeq: 0 });
  return { client, times };
}

function isEnd(message: ServerMessage): boolean {
  return message.type === 'task-event' && message.event?.type === 'message-end';
}

/** Waits for the task's message-end on a socket and returns it. */
export function waitForEnd(socket: TimedSocket, timeoutMs = 30_000): Promise<ServerMessage> {
  return socket.client.waitFor(isEnd, timeoutMs);
}

/** Checks one subscription saw seq 1..n exactly once each and that its deltas give the stored text. */
export function expectCompleteStream(socket: TimedSocket, taskId: string, text: string): void {
  const events = socket.client.events(taskId);
  expect(events.map((event) => event.seq)).toEqual(events.map((_event, index) => index + 1));
  expect(assembleText(events)).toBe(text);
  expect(events[events.length - 1]?.event).toMatchObject({
    type: 'message-end',
    status: 'completed',
    text,
  });
}

/**
 * Checks a subscription got the reply live, not in one piece at the end: after the stored tail
 * (`subscribed`), several deltas arrived spread over at least `minSpreadMs` before `message-end`.
 */
export function expectLiveDeltas(socket: TimedSocket, minSpreadMs: number): void {
  const { messages } = socket.client;
  const subscribedAt = messages.findIndex((message) => message.type === 'subscribed');
  expect(subscribedAt).toBeGreaterThanOrEqual(0);
  const live = messages
    .map((message, index) => ({ message, time: socket.times[index] ?? 0, index }))
    .filter(
      ({ message, index }) =>
        index > subscribedAt &&
        message.type === 'task-event' &&
        message.event?.type === 'message-delta',
    );
  expect(live.length).toBeGreaterThan(3);
  const endIndex = messages.findIndex(isEnd);
  const endTime = socket.times[endIndex] ?? 0;
  expect(endTime - (live[0]?.time ?? endTime)).toBeGreaterThanOrEqual(minSpreadMs);
}

/** One browser (one cookie) that talks to either gateway. */
export class Browser {
  cookie: string | undefined;

  /** Sends a request to a gateway with this browser's cookie, keeping any cookie it sets. */
  async request(
    baseUrl: string,
    method: string,
    path: string,
    body?: unknown,
  ): ReturnType<ApiClient['request']> {
    const client = new ApiClient(baseUrl);
    client.cookie = this.cookie;
    const response = await client.request(method, path, body);
    this.cookie = client.cookie;
    return response;
  }
}

/** One failover measured by runFailoverLoop. */
export interface FailoverSample {
  iteration: number;
  taskId: string;
  /** From the SIGKILL to the first text of the other replica on the sending gateway's socket. */
  stallMs: number;
  text: string;
}

/**
 * Kills the replica serving a reply with SIGKILL mid-reply, `iterations` times (sending through gateway
 * A and B in turn and watching each reply on both gateways), restarting the killed replica each time.
 * Checks every reply completes on the other replica, gap-free and identical on both gateways, and
 * returns the stall of each failover.
 */
export async function runFailoverLoop(
  cluster: ScaleCluster,
  browser: Browser,
  iterations: number,
): Promise<FailoverSample[]> {
  const samples: FailoverSample[] = [];
  for (let iteration = 0; iteration < iterations; iteration += 1) {
    const sender = cluster.gateways[iteration % 2]!.url;
    const watcher = cluster.gateways[(iteration + 1) % 2]!.url;
    const sessionId = (
      await browser.request(sender, 'POST', '/api/v1/sessions', { agent: 'assistant' })
    ).body.id as string;
    const sent = await browser.request(sender, 'POST', `/api/v1/sessions/${sessionId}/messages`, {
      text: `${longMessage} Round ${iteration}.`,
    });
    expect(sent.status).toBe(202);
    const taskId = sent.body.taskId as string;
    const onSender = await subscribeTimed(sender, browser.cookie, taskId);
    const onWatcher = await subscribeTimed(watcher, browser.cookie, taskId);

    const servingUrl = await waitFor(
      async () => {
        const task = (await browser.request(sender, 'GET', `/api/v1/tasks/${taskId}`)).body;
        if (task.status !== 'running')
          throw new Error(`the reply ended before the kill: ${task.status}`);
        if (task.text.length < 20) return undefined;
        return cluster.servingReplicaOf(taskId);
      },
      { description: `reply ${iteration} to be under way`, intervalMs: 10 },
    );
    const index = cluster.replicaIndexOf(servingUrl);
    const killedAt = Date.now();
    await cluster.agents[index]!.kill('SIGKILL');

    const [end] = await Promise.all([waitForEnd(onSender), waitForEnd(onWatcher)]);
    const task = (await browser.request(watcher, 'GET', `/api/v1/tasks/${taskId}`)).body;
    expect(end.event).toMatchObject({ status: 'completed' });
    expect(task).toMatchObject({ status: 'completed', text: end.event.text });
    expect(task.text.length).toBeGreaterThan(40);
    expectCompleteStream(onSender, taskId, task.text);
    expectCompleteStream(onWatcher, taskId, task.text);
    expect(onWatcher.client.events(taskId)).toEqual(onSender.client.events(taskId));
    expect(await cluster.servingReplicaOf(taskId)).toBe(cluster.agentUrls[1 - index]);

    const firstNewText = onSender.client.messages.findIndex(
      (message, position) =>
        (onSender.times[position] ?? 0) >= killedAt &&
        message.type === 'task-event' &&
        message.event?.type === 'message-delta' &&
        message.event.replace === true,
    );
    expect(firstNewText).toBeGreaterThanOrEqual(0);
    samples.push({
      iteration,
      taskId,
      stallMs: (onSender.times[firstNewText] ?? killedAt) - killedAt,
      text: task.text as string,
    });
    await Promise.all([onSender.client.close(), onWatcher.client.close()]);
    await cluster.restartAgent(index);
  }
  return samples;
}

/**
 * Checks the agents' shared database after failovers: each user message stored once (one user event
 * per messageId), followed by exactly one reply whose text is what the gateway shows, and every
 * session's seq gap-free.
 */
export async function expectAgentHistoryIntact(
  cluster: ScaleCluster,
  replies: ReadonlyMap<string, string>,
): Promise<void> {
  const sessions = await readAgentSessions(cluster.agentDatabase.url);
  const userEvents = new Map<string, number>();
  for (const session of sessions) {
    const seqs = session.events.map((event) => event.seq);
    expect(seqs).toEqual(seqs.map((_seq, index) => index + 1));
    session.events.forEach((event, position) => {
      if (event.author !== 'user' || event.messageId === null) return;
      userEvents.set(event.messageId, (userEvents.get(event.messageId) ?? 0) + 1);
      const following = session.events.slice(position + 1);
      const nextUser = following.findIndex((item) => item.author === 'user');
      const turn = nextUser < 0 ? following : following.slice(0, nextUser);
      const expected = replies.get(event.messageId.replace(/-user$/, ''));
      if (expected === undefined) return;
      expect(turn.map((item) => item.author)).toEqual(['assistant']);
      expect(turn[0]?.text).toBe(expected);
    });
  }
  for (const taskId of replies.keys()) expect(userEvents.get(`${taskId}-user`)).toBe(1);
  expect([...userEvents.values()].every((count) => count === 1)).toBe(true);
}

/** Nearest-rank percentile of samples. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/**
 * Prints the failover stall p50/p99 and records them under the provider's key in
 * test/artifacts/scale/failover.json (other providers' entries are kept).
 */
export function recordFailoverStall(
  provider: string,
  samples: readonly FailoverSample[],
  extra: Record<string, unknown> = {},
): { p50: number; p99: number } {
  const stalls = samples.map((sample) => sample.stallMs);
  const summary = { p50: percentile(stalls, 50), p99: percentile(stalls, 99) };
  const folder = join(repoRoot, 'test/artifacts/scale');
  const file = join(folder, 'failover.json');
  mkdirSync(folder, { recursive: true });
  let existing: Record<string, unknown> = {};
  try {
    existing = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // First run: start a new file.
  }
  existing[provider] = {
    measuredAt: new Date().toISOString(),
    iterations: samples.length,
    stallMs: { ...summary, min: Math.min(...stalls), max: Math.max(...stalls) },
    samplesMs: stalls,
    ...extra,
  };
  writeFileSync(file, `${JSON.stringify(existing, null, 2)}\n`);
  process.stdout.write(
    `failover stall on ${provider} over ${samples.length} kills: p50 ${summary.p50} ms, p99 ${summary.p99} ms (${file})\n`,
  );
  return summary;
}
