import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLogger,
  type CompactSessionResponse,
  type ContextUsageResponse,
  type SessionBehavior,
} from '@agent-mesh/shared';
import { InProcessSessionLock } from '../compaction/in-process-session-lock.js';
import { BuiltinRecallModel } from '../models/builtin/builtin-recall-model.js';
import { Runner } from '../runner/runner.js';
import type { PeerDelegate } from '../runner/runner-types.js';
import { MemorySessionService } from '../sessions/memory-session-service.js';
import {
  createManagementRouter,
  type ManagementRouterOptions,
} from './create-management-router.js';

const logger = createLogger('management-test', { level: 'silent' });
const instruction = 'You are a helpful assistant.';
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

interface Setup {
  base: string;
  runner: Runner;
  sessions: MemorySessionService;
  deletedTasks: string[];
}

/** A management API on a real local port over a memory session service, with a runner beside it. */
async function setup(overrides: Partial<ManagementRouterOptions> = {}): Promise<Setup> {
  const sessions = new MemorySessionService();
  const model = new BuiltinRecallModel({ contextWindow: 4096 });
  const peers: PeerDelegate = {
    match: (text) =>
      Promise.resolve(
        text.startsWith('@peer ') ? { peer: 'peer', text: text.slice(6) } : undefined,
      ),
    call: () =>
      Promise.resolve({
        text: 'The peer says hello.',
        usage: { inputTokens: 99_999, outputTokens: 5, calls: [{ inputTokens: 99_999 }] },
      }),
  };
  const runner = new Runner({
    appName: 'assistant',
    instruction,
    model,
    modelLabel: { provider: 'builtin', name: 'recall' },
    contextWindow: 4096,
    sessionService: sessions,
    defaultBehavior: 'PERSISTENT',
    maxMessageBytes: 1024 * 1024,
    peers,
    logger,
  });
  const deletedTasks: string[] = [];
  const app = express();
  app.use(
    '/mesh/v1',
    createManagementRouter({
      appName: 'assistant',
      sessions,
      lock: new InProcessSessionLock(),
      summarizer: model,
      percentage: 0.25,
      instruction,
      contextWindow: 4096,
      defaultBehavior: 'PERSISTENT',
      modelLabel: 'builtin/recall',
      token: '',
      deleteTasks: (contextId) => {
        deletedTasks.push(contextId);
        return Promise.resolve(0);
      },
      logger,
      ...overrides,
    }),
  );
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}/mesh/v1`, runner, sessions, deletedTasks };
}

async function talk(runner: Runner, contextId: string, texts: readonly string[]): Promise<void> {
  for (const text of texts) {
    const result = await runner.runTurn({
      contextId,
      taskId: randomUUID(),
      messageId: randomUUID(),
      text,
      metadata: { userId: 'ada' },
    });
    expect(result.status).toBe('completed');
  }
}

const lockerTurns = (count: number): string[] =>
  Array.from(
    { length: count },
    (_, index) => `The code for locker ${index + 1} is ${4701 + index}.`,
  );

function compact(base: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${base}/sessions/compact`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function usageOf(base: string, contextId: string): Promise<ContextUsageResponse> {
  const response = await fetch(`${base}/sessions/context-usage?sessionId=${contextId}&userId=ada`);
  expect(response.status).toBe(200);
  return (await response.json()) as ContextUsageResponse;
}

describe('the agent management API', () => {
  it.each([
    [0.25, 3],
    [0.5, 6],
    [1.0, 11],
  ])('compacts with the configured percentage %s: %i of 12 turns', async (percentage, expected) => {
    const { base, runner } = await setup({ percentage });
    const contextId = `web-session-${randomUUID()}`;
    await talk(runner, contextId, ['My name is Ada Lovelace.', ...lockerTurns(11)]);
    const response = await compact(base, { sessionId: contextId, userId: 'ada' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as CompactSessionResponse;
    expect(body).toMatchObject({ status: 'compacted', turnsCompacted: expected, percentage });
    expect(body.tokensAfter).toBeLessThan(body.tokensBefore);
    expect(body.summary).toContain('Ada Lovelace');
  });

  it('lets the request override the percentage, and says when nothing is left to compact', async () => {
    const { base, runner } = await setup({ percentage: 0.25 });
    const contextId = `web-session-${randomUUID()}`;
    await talk(runner, contextId, lockerTurns(12));
    const first = (await (
      await compact(base, { sessionId: contextId, userId: 'ada', percentage: 0.5 })
    ).json()) as CompactSessionResponse;
    expect(first).toMatchObject({ status: 'compacted', turnsCompacted: 6, percentage: 0.5 });
    const second = (await (
      await compact(base, { sessionId: contextId, userId: 'ada', percentage: 1 })
    ).json()) as CompactSessionResponse;
    expect(second).toMatchObject({ status: 'compacted', turnsCompacted: 5 });
    const third = (await (
      await compact(base, { sessionId: contextId, userId: 'ada' })
    ).json()) as CompactSessionResponse;
    expect(third).toMatchObject({
      status: 'nothing-to-compact',
      turnsCompacted: 0,
      summary: second.summary,
      compactionSeq: second.compactionSeq,
    });
    expect(third.message).toContain('only the newest turn is left');
    expect(third.tokensAfter).toBe(third.tokensBefore);
  });

  it.each([
    [{ sessionId: 's', userId: 'ada', percentage: 1.5 }, 'percentage', 'from 0.0 to 1.0'],
    [{ sessionId: 's', userId: 'ada', percentage: -0.1 }, 'percentage', 'from 0.0 to 1.0'],
    [{ sessionId: 's', userId: 'ada', percentage: '0.5' }, 'percentage', 'got "0.5"'],
    [{ sessionId: 's' }, 'userId', 'must be a non-empty string'],
    [{ sessionId: 's', userId: 'ada', percent: 0.5 }, 'percent', 'unknown property "percent"'],
    [{ sessionId: 's', userId: 'ada', sessionBehavior: 'SOMETIMES' }, 'sessionBehavior', 'one of'],
    ['{"sessionId": ', 'body', 'not valid JSON'],
  ])('rejects the compact body %j with 400 naming %s', async (body, field, text) => {
    const { base } = await setup();
    const response = await compact(base, body);
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as {
      error: { code: string; message: string; details: { field?: string } };
    };
    expect(error.code).toBe('REQUEST_INVALID');
    expect(error.details.field).toBe(field);
    expect(error.message).toContain(text);
  });

  it('answers 404 for a session the agent does not have', async () => {
    const { base } = await setup();
    const missing = `web-session-${randomUUID()}`;
    const compacted = await compact(base, { sessionId: missing, userId: 'ada' });
    expect(compacted.status).toBe(404);
    expect(((await compacted.json()) as { error: { code: string } }).error.code).toBe(
      'SESSION_NOT_FOUND',
    );
    const usage = await fetch(`${base}/sessions/context-usage?sessionId=${missing}&userId=ada`);
    expect(usage.status).toBe(404);
    const deleted = await fetch(`${base}/sessions?sessionId=${missing}&userId=ada`, {
      method: 'DELETE',
    });
    expect(deleted.status).toBe(404);
  });

  it("keeps users apart: another user's session is not found", async () => {
    const { base, runner } = await setup();
    const contextId = `web-session-${randomUUID()}`;
    await talk(runner, contextId, lockerTurns(3));
    const response = await compact(base, { sessionId: contextId, userId: 'mallory' });
    expect(response.status).toBe(404);
  });

  it('needs the bearer token when auth.token is set', async () => {
    const { base, runner } = await setup({ token: 's3cret' });
    const contextId = `web-session-${randomUUID()}`;
    await talk(runner, contextId, lockerTurns(4));
    const anonymous = await compact(base, { sessionId: contextId, userId: 'ada' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe(
      'UNAUTHENTICATED',
    );
    expect((await compact(base, { sessionId: contextId, userId: 'ada' }, 'wrong')).status).toBe(
      401,
    );
    expect((await compact(base, { sessionId: contextId, userId: 'ada' }, 's3cret')).status).toBe(
      200,
    );
  });

  it.each(['RUN_BASED', 'PERSISTENT'] as const)(
    'explains that a RUN_BASED session cannot be compacted (agent default %s)',
    async (defaultBehavior: SessionBehavior) => {
      const { base } = await setup({ defaultBehavior });
      const sessionId = `web-session-${randomUUID()}`;
      const request =
        defaultBehavior === 'RUN_BASED'
          ? { sessionId, userId: 'ada' }
          : { sessionId, userId: 'ada', sessionBehavior: 'run_based' };
      const response = await compact(base, request);
      expect(response.status).toBe(400);
      const { error } = (await response.json()) as { error: { message: string } };
      expect(error.message).toContain('RUN_BASED');
      expect(error.message).toContain('PERSISTENT');
      const usage = (await (
        await fetch(
          `${base}/sessions/context-usage?sessionId=${sessionId}&userId=ada` +
            (defaultBehavior === 'RUN_BASED' ? '' : '&sessionBehavior=RUN_BASED'),
        )
      ).json()) as ContextUsageResponse;
      expect(usage).toMatchObject({
        sessionBehavior: 'RUN_BASED',
        inputTokens: null,
        percent: null,
        compactions: 0,
        contextWindow: 4096,
      });
      expect(usage.message).toContain('RUN_BASED');
    },
  );

  it('reports the provider input tokens, then the estimate after a compaction', async () => {
    const { base, runner, sessions } = await setup();
    const contextId = `web-session-${randomUUID()}`;
    await talk(runner, contextId, lockerTurns(8));
    const key = { appName: 'assistant', userId: 'ada', sessionId: contextId };
    const history = (await sessions.listEvents(key, { limit: 100 })).events;
    const lastReply = history.at(-1);
    const calls = lastReply?.usage?.calls as Array<{ inputTokens: number }>;
    const reported = calls.at(-1)?.inputTokens;

    const before = await usageOf(base, contextId);
    expect(before).toMatchObject({
      sessionId: contextId,
      userId: 'ada',
      sessionBehavior: 'PERSISTENT',
      model: 'builtin/recall',
      inputTokens: reported,
      estimated: false,
      contextWindow: 4096,
      compactions: 0,
    });
    expect(before.percent).toBe(Math.round(((reported ?? 0) / 4096) * 1000) / 10);
    expect(before.lastCompaction).toBeUndefined();

    const compacted = (await (
      await compact(base, { sessionId: contextId, userId: 'ada' })
    ).json()) as CompactSessionResponse;
    const after = await usageOf(base, contextId);
    expect(after).toMatchObject({
      inputTokens: compacted.tokensAfter,
      estimated: true,
      compactions: 1,
      lastCompaction: {
        seq: compacted.compactionSeq,
        reason: 'manual',
        turnsCompacted: 2,
        turnsKept: 6,
        tokensBefore: compacted.tokensBefore,
        tokensAfter: compacted.tokensAfter,
        startSeq: 1,
        endSeq: 4,
        model: 'builtin/recall',
        summary: compacted.summary,
      },
    });

    await talk(runner, contextId, ['What is the code for locker 1?']);
    const next = await usageOf(base, contextId);
    expect(next.estimated).toBe(false);
    expect(next.compactions).toBe(1);
    await compact(base, { sessionId: contextId, userId: 'ada' });
    expect((await usageOf(base, contextId)).compactions).toBe(2);
  });

  it("counts a turn delegated to a peer as this agent's own context, never the peer's numbers", async () => {
    const { base, runner } = await setup();
    const contextId = `web-session-${randomUUID()}`;
    await talk(runner, contextId, [...lockerTurns(2), '@peer say hello']);
    const usage = await usageOf(base, contextId);
    expect(usage.estimated).toBe(true);
    expect(usage.inputTokens).toBeGreaterThan(0);
    expect(usage.inputTokens).toBeLessThan(1000);
  });

  it('gives a null percent when the context window is unknown', async () => {
    const { base, runner } = await setup({ contextWindow: null });
    const contextId = `web-session-${randomUUID()}`;
    await talk(runner, contextId, lockerTurns(1));
    const usage = await usageOf(base, contextId);
    expect(usage.contextWindow).toBeNull();
    expect(usage.percent).toBeNull();
    expect(usage.inputTokens).toBeGreaterThan(0);
  });

  it("deletes the agent's side of a session and its stored tasks, then answers 404", async () => {
    const { base, runner, sessions, deletedTasks } = await setup();
    const contextId = `web-session-${randomUUID()}`;
    await talk(runner, contextId, lockerTurns(2));
    const url = `${base}/sessions?sessionId=${contextId}&userId=ada`;
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(204);
    expect(deletedTasks).toEqual([contextId]);
    expect(
      await sessions.getSession({ appName: 'assistant', userId: 'ada', sessionId: contextId }),
    ).toBeNull();
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(404);
  });

  it('rejects unknown query parameters and unknown routes with a message that lists the routes', async () => {
    const { base } = await setup();
    const typo = await fetch(`${base}/sessions/context-usage?session=x&userId=ada`);
    expect(typo.status).toBe(400);
    expect(((await typo.json()) as { error: { message: string } }).error.message).toContain(
      '"session"',
    );
    const unknown = await fetch(`${base}/sessions/compress`, { method: 'POST' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain(
      'POST /mesh/v1/sessions/compact',
    );
  });
});
