import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../packages/gateway/src/testing/test-gateway.js';
import { TaskSocketClient } from '../../packages/gateway/src/testing/task-socket-client.js';
import { stopMeshProcesses, waitFor } from '../e2e/helpers/index.js';
import {
  createSession,
  getTask,
  readHistory,
  sendMessage,
  waitForFinalTask,
  waitForTask,
  type MessageView,
} from './helpers/chat.js';
import { writeFigures } from './helpers/figures.js';
import { countGatewayRows } from './helpers/gateway-database.js';
import { startReliabilityMesh, type ReliabilityMesh } from './helpers/reliability-mesh.js';

// Three users (three cookie jars), ten sessions each with a finished exchange, feedback and a reply
// still streaming. Every user tries every route and the WebSocket on every other user's sessions and
// tasks: all of it is a 404 (or TASK_NOT_FOUND on the socket), nothing changes, nothing leaks.

const users = 3;
const sessionsPerUser = 10;
// The model streams a word every 300 ms: the 100-word replies stay running during the attack.
const modelDelayMs = 300;

interface OwnedSession {
  owner: number;
  id: string;
  name: string;
  secret: string;
  doneTask: string;
  runningTask: string;
  history: MessageView[];
}

/** Twenty facts: a reply of about 100 words. */
function longMessage(owner: number, index: number): string {
  return Array.from(
    { length: 20 },
    (_unused, fact) => `My item${fact} is value-${owner}-${index}-${fact}.`,
  ).join(' ');
}

describe('isolation between users', () => {
  let mesh: ReliabilityMesh;
  const clients: ApiClient[] = [];
  const sessions: OwnedSession[] = [];

  beforeAll(async () => {
    mesh = await startReliabilityMesh({ modelDelayMs });
    for (let user = 0; user < users; user += 1) clients.push(mesh.newClient());
    // Each user's sessions with a finished exchange (sent together, answered concurrently).
    await Promise.all(
      clients.map(async (client, owner) => {
        for (let index = 0; index < sessionsPerUser; index += 1) {
          const name = `user ${owner} chat ${index} <b>private</b>`;
          const id = await createSession(client, name);
          const secret = `secret-${owner}-${index}-${Math.random().toString(36).slice(2, 8)}`;
          const doneTask = await sendMessage(client, id, `My secret is ${secret}.`);
          sessions.push({ owner, id, name, secret, doneTask, runningTask: '', history: [] });
        }
      }),
    );
    for (const session of sessions) {
      const client = clients[session.owner]!;
      expect((await waitForFinalTask(client, session.doneTask, 60_000)).status).toBe('completed');
      const rated = await client.request('POST', `/api/v1/tasks/${session.doneTask}/feedback`, {
        rating: 'up',
        comment: `only ${session.owner} may see this`,
      });
      expect(rated.status).toBe(200);
    }
    // Then a long reply in every session, still streaming while the others try their luck.
    for (const session of sessions) {
      const client = clients[session.owner]!;
      session.runningTask = await sendMessage(
        client,
        session.id,
        longMessage(session.owner, sessions.indexOf(session)),
      );
    }
    for (const session of sessions) {
      const client = clients[session.owner]!;
      await waitForTask(client, session.runningTask, (task) => task.text.length > 0, 'to stream');
      session.history = await readHistory(client, session.id);
    }
  });

  afterAll(async () => {
    mesh?.saveLogs('isolation');
    await stopMeshProcesses();
    await mesh?.stop();
  });

  it('lets no user read, change or follow another user’s sessions, messages, tasks, feedback or streams', async () => {
    const started = Date.now();
    const rowsBefore = await countGatewayRows(mesh.gatewayDatabase.url);
    const attempts = { reads: 0, writes: 0, subscriptions: 0 };
    const breaches = { reads: [] as string[], writes: [] as string[] };
    const leaks = (text: string, target: OwnedSession): boolean =>
      text.includes(target.secret) || text.includes('private') || text.includes('may see this');

    // The WebSocket first, while the foreign replies are still streaming.
    let runningAtSubscription = 0;
    const sockets = await Promise.all(
      clients.map((client) => TaskSocketClient.open(mesh.gateway.url, client.cookie)),
    );
    for (const [attacker, socket] of sockets.entries()) {
      for (const target of sessions.filter((session) => session.owner !== attacker)) {
        const owner = clients[target.owner]!;
        if ((await getTask(owner, target.runningTask)).status === 'running') {
          runningAtSubscription += 1;
        }
        for (const taskId of [target.runningTask, target.doneTask]) {
          attempts.subscriptions += 1;
          socket.send({ type: 'subscribe', taskId, fromSeq: 0 });
          const answer = await socket.waitFor(
            (message) => message.taskId === taskId && message.type !== 'task-event',
          );
          if (answer.type !== 'error' || answer.code !== 'TASK_NOT_FOUND') {
            breaches.reads.push(
              `user ${attacker} subscribed to ${taskId}: ${JSON.stringify(answer)}`,
            );
          }
        }
      }
    }
    const seqAfterSubscriptions = new Map<string, { lastSeq: number; status: string }>();
    for (const target of sessions) {
      seqAfterSubscriptions.set(
        target.runningTask,
        await getTask(clients[target.owner]!, target.runningTask),
      );
    }

    // Every REST route, for every foreign session and task.
    for (const [attacker, client] of clients.entries()) {
      const own = sessions.filter((session) => session.owner === attacker);
      for (const target of sessions.filter((session) => session.owner !== attacker)) {
        const reads: Array<[string, string]> = [
          ['GET', `/api/v1/sessions/${target.id}`],
          ['GET', `/api/v1/sessions/${target.id}/messages`],
          ['GET', `/api/v1/sessions/${target.id}/messages?limit=2`],
          ['GET', `/api/v1/tasks/${target.doneTask}`],
          ['GET', `/api/v1/tasks/${target.runningTask}`],
        ];
        const writes: Array<[string, string, unknown?]> = [
          ['PATCH', `/api/v1/sessions/${target.id}`, { name: `stolen by ${attacker}` }],
          ['POST', `/api/v1/sessions/${target.id}/messages`, { text: 'What is my secret?' }],
          ['POST', `/api/v1/tasks/${target.doneTask}/feedback`, { rating: 'down' }],
          ['POST', `/api/v1/tasks/${target.doneTask}/retry`],
          ['POST', `/api/v1/tasks/${target.runningTask}/retry`],
          ['POST', `/api/v1/tasks/${target.runningTask}/cancel`],
          ['DELETE', `/api/v1/sessions/${target.id}`],
        ];
        for (const [method, path, body] of [...reads, ...writes]) {
          const isRead = method === 'GET';
          if (isRead) attempts.reads += 1;
          else attempts.writes += 1;
          const response = await client.request(method, path, body);
          const text = JSON.stringify(response.body ?? '');
          const expectedCode = path.includes('/tasks/') ? 'TASK_NOT_FOUND' : 'SESSION_NOT_FOUND';
          const found = isRead ? breaches.reads : breaches.writes;
          if (response.status !== 404 || response.body?.error?.code !== expectedCode) {
            found.push(`user ${attacker} ${method} ${path}: ${response.status} ${text}`);
          } else if (leaks(text, target)) {
            found.push(`user ${attacker} ${method} ${path} leaked: ${text}`);
          }
        }
      }
      // The attacker's own list and search show only their own sessions.
      attempts.reads += 1;
      const listed: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await client.request(
          'GET',
          `/api/v1/sessions?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(page.status).toBe(200);
        listed.push(...page.body.sessions.map((session: { id: string }) => session.id));
        cursor = page.body.nextCursor as string | null;
      } while (cursor !== null);
      if (
        [...listed].sort().join() !==
        own
          .map((session) => session.id)
          .sort()
          .join()
      ) {
        breaches.reads.push(`user ${attacker} lists ${listed.length} sessions`);
      }
    }

    // No event of a foreign task reached any attacker's socket, even as those replies went on.
    await waitFor(
      async () => {
        for (const target of sessions) {
          const seen = seqAfterSubscriptions.get(target.runningTask)!;
          const task = await getTask(clients[target.owner]!, target.runningTask);
          if (
            seen.status === 'running' &&
            task.status === 'running' &&
            task.lastSeq <= seen.lastSeq
          ) {
            return false;
          }
        }
        return true;
      },
      { timeoutMs: 30_000, description: 'the foreign replies to stream on' },
    );
    for (const [attacker, socket] of sockets.entries()) {
      const events = socket.messages.filter((message) => message.type === 'task-event');
      if (events.length > 0)
        breaches.reads.push(`user ${attacker} received ${events.length} events`);
      await socket.close();
    }

    // Each owner still has exactly what they had: sessions, names, history, feedback, running replies.
    for (const session of sessions) {
      const owner = clients[session.owner]!;
      const current = await owner.request('GET', `/api/v1/sessions/${session.id}`);
      expect(current.status).toBe(200);
      expect(current.body.name).toBe(session.name);
      const history = await readHistory(owner, session.id);
      expect(history.map((message) => `${message.role}:${message.taskId}`)).toEqual(
        session.history.map((message) => `${message.role}:${message.taskId}`),
      );
      expect(
        history.find((message) => message.taskId === session.doneTask && message.role === 'agent'),
      ).toMatchObject({
        status: 'completed',
        feedback: { rating: 'up', comment: `only ${session.owner} may see this` },
      });
      expect(history[0]?.text).toBe(`My secret is ${session.secret}.`);
      expect(['running', 'completed']).toContain(
        (await getTask(owner, session.runningTask)).status,
      );
    }
    expect(await countGatewayRows(mesh.gatewayDatabase.url)).toMatchObject({
      sessions: rowsBefore.sessions,
      tasks: rowsBefore.tasks,
      feedback: rowsBefore.feedback,
    });
    expect(breaches).toEqual({ reads: [], writes: [] });

    // The owners themselves can still stop their replies.
    const stopped = await Promise.all(
      sessions.map((session) =>
        clients[session.owner]!.request('POST', `/api/v1/tasks/${session.runningTask}/cancel`),
      ),
    );
    for (const response of stopped) {
      expect(response.status).toBe(200);
      expect(['canceled', 'completed']).toContain(response.body.status);
    }

    const total = attempts.reads + attempts.writes + attempts.subscriptions;
    writeFigures('isolation', {
      description: 'three users, each trying every route and the WebSocket on the others’ data',
      users,
      sessions: sessions.length,
      runningRepliesAtSubscription: runningAtSubscription,
      crossUserAttempts: total,
      crossUserReadAttempts: attempts.reads + attempts.subscriptions,
      crossUserWriteAttempts: attempts.writes,
      crossUserReadsSucceeded: breaches.reads.length,
      crossUserWritesSucceeded: breaches.writes.length,
      summary: `cross-user reads: ${breaches.reads.length} of ${attempts.reads + attempts.subscriptions} attempts; cross-user writes: ${breaches.writes.length} of ${attempts.writes} attempts`,
      durationMs: Date.now() - started,
    });
  });
});
