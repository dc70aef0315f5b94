import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../packages/gateway/src/testing/test-gateway.js';
import { stopMeshProcesses, waitFor } from '../e2e/helpers/index.js';
import { createSession } from './helpers/chat.js';
import { writeFigures } from './helpers/figures.js';
import {
  readGatewayTasks,
  taskConsistencyProblems,
  type StoredTaskView,
} from './helpers/gateway-database.js';
import { startConnectionKiller } from './helpers/postgres-connection-killer.js';
import { startReliabilityMesh, type ReliabilityMesh } from './helpers/reliability-mesh.js';
import { scaled } from './helpers/reliability-mode.js';

// PostgreSQL stays up (other tests share it); every connection of the gateway's and the agent's
// databases is terminated every 25 ms for the outage window while clients keep sending requests.
const outageMs = scaled(4_000, 10_000);
const warmUpMs = 1_000;
const workersPerUser = 2;
const users = 3;
const recoveryLimitMs = 5_000;

type Phase = 'before' | 'outage' | 'after';

interface Outcome {
  /** When the request was sent and answered (Date.now()). */
  start: number;
  end: number;
  operation: string;
  status: number;
  code?: string;
  message?: string;
}

interface Workload {
  client: ApiClient;
  sessionId: string;
  /** Task id → text of every message the gateway accepted (202). */
  acceptedTasks: Map<string, string>;
  /** Messages answered with an error, to send again with the same clientMessageId. */
  pending: Array<{ clientMessageId: string; text: string }>;
  sent: number;
}

/**
 * Sends a message as a careful client does: with a clientMessageId, and on failure again later with
 * the same id, so a message the gateway stored before its answer was lost is not stored twice.
 */
async function sendMessage(work: Workload): Promise<Awaited<ReturnType<ApiClient['request']>>> {
  let message = work.pending.shift();
  if (message === undefined) {
    work.sent += 1;
    message = {
      clientMessageId: `${work.sessionId.slice(-6)}-${work.sent}`,
      text: `Message ${work.sent} of ${work.sessionId.slice(-6)}: my number is ${work.sent}.`,
    };
  }
  const response = await work.client
    .request('POST', `/api/v1/sessions/${work.sessionId}/messages`, message)
    .catch((error: unknown) => {
      work.pending.unshift(message);
      throw error;
    });
  if (response.status === 202) {
    work.acceptedTasks.set(response.body.taskId as string, message.text);
  } else {
    work.pending.unshift(message);
  }
  return response;
}

/** One request of the workload, chosen round-robin; records what came back and when. */
async function runOperation(work: Workload, step: number, outcomes: Outcome[]): Promise<void> {
  const operations = ['send', 'history', 'list', 'task', 'rename', 'create'] as const;
  const operation = operations[step % operations.length]!;
  const start = Date.now();
  let response: Awaited<ReturnType<ApiClient['request']>>;
  try {
    switch (operation) {
      case 'send':
        response = await sendMessage(work);
        break;
      case 'history':
        response = await work.client.request(
          'GET',
          `/api/v1/sessions/${work.sessionId}/messages?limit=20`,
        );
        break;
      case 'list':
        response = await work.client.request('GET', '/api/v1/sessions?limit=5');
        break;
      case 'task': {
        const last = [...work.acceptedTasks.keys()].at(-1);
        response = await work.client.request(
          'GET',
          last ? `/api/v1/tasks/${last}` : `/api/v1/sessions/${work.sessionId}`,
        );
        break;
      }
      case 'rename':
        response = await work.client.request('PATCH', `/api/v1/sessions/${work.sessionId}`, {
          name: `Renamed at step ${step}`,
        });
        break;
      case 'create':
        response = await work.client.request('POST', '/api/v1/sessions', { agent: 'assistant' });
        break;
    }
  } catch (error) {
    // A reset connection is a failure of its own kind: the test fails on it below.
    outcomes.push({
      start,
      end: Date.now(),
      operation,
      status: 0,
      message: (error as Error).message,
    });
    return;
  }
  const error = (response.body as { error?: { code?: string; message?: string } } | undefined)
    ?.error;
  outcomes.push({
    start,
    end: Date.now(),
    operation,
    status: response.status,
    ...(error?.code ? { code: error.code } : {}),
    ...(error?.message ? { message: error.message } : {}),
  });
}

/** A request overlapping the outage window belongs to the outage; others to before or after it. */
function phaseOf(outcome: Outcome, outage: { start: number; end: number }): Phase {
  if (outcome.end < outage.start) return 'before';
  if (outcome.start > outage.end) return 'after';
  return 'outage';
}

function summarize(inPhase: Outcome[]): Record<string, unknown> {
  const statuses: Record<string, number> = {};
  for (const outcome of inPhase) {
    const key = outcome.code ? `${outcome.status} ${outcome.code}` : String(outcome.status);
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  return {
    requests: inPhase.length,
    statuses,
    maxMs: Math.max(0, ...inPhase.map((outcome) => outcome.end - outcome.start)),
  };
}

describe('PostgreSQL connections terminated under load', () => {
  let mesh: ReliabilityMesh;

  beforeAll(async () => {
    mesh = await startReliabilityMesh({ provider: 'postgresql', modelDelayMs: 5 });
  });
  afterAll(async () => {
    mesh?.saveLogs('postgres-outage');
    await stopMeshProcesses();
    await mesh?.stop();
  });

  it('fails requests fast with 503 DATABASE_UNAVAILABLE or serves them, stays up, recovers within 5 s and half-writes nothing', async () => {
    const workloads: Workload[] = [];
    for (let user = 0; user < users; user += 1) {
      const client = mesh.newClient();
      workloads.push({
        client,
        sessionId: await createSession(client, `user ${user}`),
        acceptedTasks: new Map(),
        pending: [],
        sent: 0,
      });
    }

    const outcomes: Outcome[] = [];
    let running = true;
    const workers = workloads.flatMap((work, index) =>
      Array.from({ length: workersPerUser }, async (_unused, worker) => {
        for (let step = index + worker * 3; running; step += 1) {
          await runOperation(work, step, outcomes);
        }
      }),
    );

    await waitFor(() => outcomes.length >= 20, { description: 'the workload to warm up' });
    await new Promise((resolve) => setTimeout(resolve, warmUpMs));
    const killer = await startConnectionKiller([
      mesh.gatewayDatabase.name,
      mesh.agentDatabase.name,
    ]);
    const outage = { start: Date.now(), end: Number.POSITIVE_INFINITY };
    await new Promise((resolve) => setTimeout(resolve, outageMs));
    const killed = await killer.stop();
    const databaseBack = Date.now();
    outage.end = databaseBack;

    // Serving again: a fresh user can list, create a session and get a reply.
    const probe = mesh.newClient();
    const recovered = await waitFor(
      async () => {
        const listed = await probe.request('GET', '/api/v1/sessions');
        if (listed.status !== 200) return false;
        const created = await probe.request('POST', '/api/v1/sessions', { agent: 'assistant' });
        if (created.status !== 201) return false;
        const replied = await probe.request(
          'POST',
          `/api/v1/sessions/${created.body.id}/messages?wait=true`,
          { text: 'My favorite color is blue' },
        );
        return replied.status === 200 && replied.body.status === 'completed' && Date.now();
      },
      { timeoutMs: 20_000, intervalMs: 100, description: 'the gateway to serve again' },
    );
    const recoveryMs = recovered - databaseBack;
    // Some normal traffic after the outage, then stop the workload.
    const afterCount = outcomes.length;
    await waitFor(() => outcomes.length >= afterCount + 20, {
      description: 'requests after the outage',
    });
    running = false;
    await Promise.all(workers);
    // A careful client sends what failed once more, with the same clientMessageId.
    for (const work of workloads) {
      while (work.pending.length > 0) expect((await sendMessage(work)).status).toBe(202);
    }
    const phases = { before: [] as Outcome[], outage: [] as Outcome[], after: [] as Outcome[] };
    for (const outcome of outcomes) phases[phaseOf(outcome, outage)].push(outcome);

    expect(mesh.gateway.child.exitCode).toBeNull();
    expect(mesh.agent.child.exitCode).toBeNull();
    expect(recoveryMs).toBeLessThan(recoveryLimitMs);

    const duringOutage = phases.outage;
    expect(duringOutage.length).toBeGreaterThan(0);
    const unexpected = duringOutage.filter(
      (outcome) =>
        !(outcome.status >= 200 && outcome.status < 300) &&
        !(outcome.status === 503 && outcome.code === 'DATABASE_UNAVAILABLE'),
    );
    expect(unexpected).toEqual([]);
    for (const outcome of duringOutage.filter((item) => item.status === 503)) {
      expect(outcome.message).toMatch(/database/i);
    }
    const failFastLimitMs = 5_000;
    expect(duringOutage.filter((outcome) => outcome.end - outcome.start > failFastLimitMs)).toEqual(
      [],
    );
    const failedOutside = [...phases.before, ...phases.after].filter(
      (outcome) => outcome.status < 200 || outcome.status >= 300,
    );
    expect(failedOutside).toEqual([]);

    // Every reply ends (completed, or failed/interrupted with a reason), nothing half-written.
    const tasks = await waitFor(
      async () => {
        const stored = await readGatewayTasks(mesh.gatewayDatabase.url);
        return stored.every((task) => task.status !== 'running') && stored;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: 'every reply to end' },
    );
    const problems = tasks.flatMap((task: StoredTaskView) =>
      taskConsistencyProblems(task).map((problem) => `${task.id}: ${problem}`),
    );
    expect(problems).toEqual([]);
    const storedById = new Map(tasks.map((task) => [task.id, task]));
    let lost = 0;
    for (const work of workloads) {
      for (const [taskId, text] of work.acceptedTasks) {
        if (storedById.get(taskId)?.userMessage !== text) lost += 1;
      }
    }
    expect(lost).toBe(0);
    // Each message is stored once, however often it was sent.
    const workloadTexts = tasks
      .filter((task) => workloads.some((work) => work.sessionId === task.sessionId))
      .map((task) => task.userMessage);
    const duplicated = workloadTexts.length - new Set(workloadTexts).size;
    expect(duplicated).toBe(0);
    const accepted = workloads.reduce((sum, work) => sum + work.acceptedTasks.size, 0);
    const byStatus: Record<string, number> = {};
    for (const task of tasks) byStatus[task.status] = (byStatus[task.status] ?? 0) + 1;

    writeFigures('postgres-outage', {
      description:
        'every PostgreSQL connection of both databases terminated every 25 ms under load',
      outageMs,
      connectionsTerminated: killed.terminated,
      terminateSweeps: killed.sweeps,
      requests: {
        before: summarize(phases.before),
        outage: summarize(phases.outage),
        after: summarize(phases.after),
      },
      recoveryMs,
      messagesAccepted: accepted,
      messagesLost: lost,
      messagesDuplicated: duplicated,
      tasksStored: tasks.length,
      tasksByStatus: byStatus,
      halfWrittenTasks: problems.length,
    });
  });
});
