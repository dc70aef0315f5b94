import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../packages/gateway/src/testing/test-gateway.js';
import { readAgentSessions, stopMeshProcesses, waitFor } from '../e2e/helpers/index.js';
import { createSession, waitForFinalTask } from './helpers/chat.js';
import { writeFigures } from './helpers/figures.js';
import { readGatewayTasks, taskConsistencyProblems } from './helpers/gateway-database.js';
import { startReliabilityMesh, type ReliabilityMesh } from './helpers/reliability-mesh.js';
import { scaled } from './helpers/reliability-mode.js';

// Another writer holds each SQLite file with BEGIN EXCLUSIVE. The CI default stays within the 10 s
// busy timeout (requests wait, then succeed); RELIABILITY_FULL=1 holds it past the timeout (requests
// get 503 DATABASE_UNAVAILABLE, then work again).
const lockMs = scaled(3_000, 12_000);
const busyTimeoutMs = 10_000;

interface Attempt {
  operation: string;
  status: number;
  code?: string;
  message?: string;
  ms: number;
}

interface Sender {
  client: ApiClient;
  sessionId: string;
  accepted: Map<string, string>;
  pending: Array<{ clientMessageId: string; text: string }>;
  count: number;
}

async function attempt(
  operation: string,
  call: () => Promise<Awaited<ReturnType<ApiClient['request']>>>,
): Promise<Attempt & { body: unknown }> {
  const started = Date.now();
  try {
    const response = await call();
    const error = (response.body as { error?: { code?: string; message?: string } } | undefined)
      ?.error;
    return {
      operation,
      status: response.status,
      ...(error?.code ? { code: error.code } : {}),
      ...(error?.message ? { message: error.message } : {}),
      ms: Date.now() - started,
      body: response.body,
    };
  } catch (error) {
    return {
      operation,
      status: 0,
      message: (error as Error).message,
      ms: Date.now() - started,
      body: undefined,
    };
  }
}

/** Sends the next (or a failed) message with a clientMessageId, so a re-send is stored once. */
async function send(sender: Sender): Promise<Attempt> {
  let message = sender.pending.shift();
  if (message === undefined) {
    sender.count += 1;
    message = {
      clientMessageId: `lock-${sender.count}`,
      text: `Message ${sender.count} of ${sender.sessionId.slice(-6)}: my number is ${sender.count}.`,
    };
  }
  const outcome = await attempt('send', () =>
    sender.client.request('POST', `/api/v1/sessions/${sender.sessionId}/messages`, message),
  );
  if (outcome.status === 202) {
    sender.accepted.set((outcome.body as { taskId: string }).taskId, message.text);
  } else {
    sender.pending.push(message);
  }
  return outcome;
}

/** Opens a SQLite file as another process would and takes its write lock (BEGIN EXCLUSIVE). */
function lockDatabase(file: string): Database.Database {
  const database = new Database(file, { timeout: 5_000 });
  database.exec('BEGIN EXCLUSIVE');
  return database;
}

describe('SQLite files locked by another writer', () => {
  let mesh: ReliabilityMesh;

  beforeAll(async () => {
    mesh = await startReliabilityMesh({ provider: 'sqlite', modelDelayMs: 5 });
  });
  afterAll(async () => {
    mesh?.saveLogs('sqlite-lock');
    await stopMeshProcesses();
    await mesh?.stop();
  });

  it(`lets requests wait for or fail clearly on a ${lockMs} ms lock, then serves them, with both files intact`, async () => {
    const senders: Sender[] = [];
    for (let user = 0; user < 2; user += 1) {
      const client = mesh.newClient();
      const sessionId = await createSession(client, `lock user ${user}`);
      senders.push({ client, sessionId, accepted: new Map(), pending: [], count: 0 });
      const warm = await send(senders[user]!);
      expect(warm.status).toBe(202);
    }

    const locks = [mesh.gatewayDatabase.name, mesh.agentDatabase.name].map(lockDatabase);
    const lockedAt = Date.now();
    const release = new Promise<number>((resolve) =>
      setTimeout(() => {
        for (const lock of locks) {
          lock.exec('COMMIT');
          lock.close();
        }
        resolve(Date.now());
      }, lockMs),
    );

    // Requests of every kind while the files are locked, several in flight at once.
    const during: Attempt[] = [];
    const probe = mesh.newClient();
    const requests: Array<Promise<void>> = [];
    for (const sender of senders) {
      requests.push(
        send(sender).then((outcome) => void during.push(outcome)),
        attempt('history', () =>
          sender.client.request('GET', `/api/v1/sessions/${sender.sessionId}/messages`),
        ).then((outcome) => void during.push(outcome)),
        attempt('rename', () =>
          sender.client.request('PATCH', `/api/v1/sessions/${sender.sessionId}`, {
            name: 'renamed while locked',
          }),
        ).then((outcome) => void during.push(outcome)),
        attempt('create', () =>
          sender.client.request('POST', '/api/v1/sessions', { agent: 'assistant' }),
        ).then((outcome) => void during.push(outcome)),
      );
    }
    requests.push(
      attempt('new-user', () => probe.request('GET', '/api/v1/sessions')).then(
        (outcome) => void during.push(outcome),
      ),
      attempt('healthz', () => probe.request('GET', '/healthz')).then(
        (outcome) => void during.push(outcome),
      ),
    );
    await Promise.all(requests);
    const releasedAt = await release;

    for (const outcome of during) {
      const clear = outcome.status === 503 && outcome.code === 'DATABASE_UNAVAILABLE';
      // better-sqlite3 waits for the lock synchronously: past the busy timeout the process has been
      // blocked so long that a request sent on an idle keep-alive connection meets the server closing
      // it (status 0). A careful client sends such a message again with the same clientMessageId.
      const blockedTooLong = lockMs > busyTimeoutMs && outcome.status === 0;
      expect(
        (outcome.status >= 200 && outcome.status < 300) || clear || blockedTooLong,
        JSON.stringify(outcome),
      ).toBe(true);
      // Nothing waits much past the busy timeout.
      expect(outcome.ms, JSON.stringify(outcome)).toBeLessThan(busyTimeoutMs + 5_000);
    }
    if (lockMs < busyTimeoutMs) {
      expect(during.filter((outcome) => outcome.status >= 300)).toEqual([]);
    }

    // Working again: what failed is sent again, and every reply ends.
    const recovered = await waitFor(
      async () => {
        const listed = await probe.request('GET', '/api/v1/sessions');
        return listed.status === 200 && Date.now();
      },
      { timeoutMs: 20_000, description: 'the gateway to answer after the lock' },
    );
    for (const sender of senders) {
      while (sender.pending.length > 0) expect((await send(sender)).status).toBe(202);
      const after = await send(sender);
      expect(after.status).toBe(202);
    }
    expect(mesh.gateway.child.exitCode).toBeNull();
    expect(mesh.agent.child.exitCode).toBeNull();

    const tasks = await waitFor(
      async () => {
        const stored = await readGatewayTasks(mesh.gatewayDatabase.url);
        return stored.every((task) => task.status !== 'running') && stored;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: 'every reply to end' },
    );
    expect(
      tasks.flatMap((task) => taskConsistencyProblems(task).map((p) => `${task.id}: ${p}`)),
    ).toEqual([]);
    const texts = tasks.map((task) => task.userMessage);
    expect(new Set(texts).size).toBe(texts.length);
    let lost = 0;
    const byId = new Map(tasks.map((task) => [task.id, task]));
    for (const sender of senders) {
      for (const [taskId, text] of sender.accepted) {
        if (byId.get(taskId)?.userMessage !== text) lost += 1;
      }
    }
    expect(lost).toBe(0);
    // Within the busy timeout every reply completes. Past it, a turn the agent could not store fails
    // with its reason, and retrying it after the lock completes it.
    const notCompleted = tasks.filter((task) => task.status !== 'completed');
    if (lockMs < busyTimeoutMs) {
      expect(notCompleted.map((task) => `${task.status}: ${task.error}`)).toEqual([]);
    }
    for (const task of notCompleted) {
      expect(task.status).toBe('failed');
      expect(task.error).toMatch(/\S/);
      const owner = senders.find((sender) => sender.sessionId === task.sessionId)!;
      const retry = await owner.client.request('POST', `/api/v1/tasks/${task.id}/retry`);
      expect(retry.status, JSON.stringify(retry.body)).toBe(202);
      const retried = await waitForFinalTask(owner.client, retry.body.taskId as string);
      expect(retried.status).toBe('completed');
    }

    // The agent stored each message at most once, and every answered one.
    const agentSessions = await readAgentSessions(mesh.agentDatabase.url);
    const userMessageIds = agentSessions.flatMap((session) =>
      session.events.filter((event) => event.author === 'user').map((event) => event.messageId),
    );
    expect(new Set(userMessageIds).size).toBe(userMessageIds.length);
    for (const task of tasks.filter((item) => item.status === 'completed')) {
      expect(userMessageIds).toContain(`${task.id}-user`);
    }

    const integrity = [mesh.gatewayDatabase.name, mesh.agentDatabase.name].map((file) => {
      const database = new Database(file, { readonly: true });
      try {
        return database.pragma('integrity_check', { simple: true });
      } finally {
        database.close();
      }
    });
    expect(integrity).toEqual(['ok', 'ok']);

    const statuses: Record<string, number> = {};
    for (const outcome of during) {
      const key = outcome.code ? `${outcome.status} ${outcome.code}` : String(outcome.status);
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
    writeFigures('sqlite-lock', {
      description: 'gateway and agent SQLite files held with BEGIN EXCLUSIVE by another connection',
      lockMs: releasedAt - lockedAt,
      busyTimeoutMs,
      requestsDuringLock: during.length,
      statusesDuringLock: statuses,
      maxWaitMs: Math.max(...during.map((outcome) => outcome.ms)),
      servingAgainAfterReleaseMs: Math.max(0, recovered - releasedAt),
      messagesAccepted: senders.reduce((sum, sender) => sum + sender.accepted.size, 0),
      messagesLost: lost,
      messagesDuplicated: texts.length - new Set(texts).size,
      repliesFailedThenRetried: notCompleted.length,
      integrityCheck: integrity,
    });
  });
});
