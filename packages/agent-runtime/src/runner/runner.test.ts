import { randomUUID } from 'node:crypto';
import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { createLogger, isMeshError, type SessionBehavior } from '@agent-mesh/shared';
import { BuiltinRecallModel } from '../models/index.js';
import { MemorySessionService } from '../sessions/memory-session-service.js';
import type { SessionKey } from '../sessions/session-service.js';
import { createUserContent, replyDataOf, textOf } from './reply-content.js';
import { Runner } from './runner.js';
import type { PeerDelegate, RunnerHooks, RunnerOptions, TurnRequest } from './runner-types.js';

const logger = createLogger('runner-test', { level: 'silent' });

function createRunner(overrides: Partial<RunnerOptions> = {}): {
  runner: Runner;
  sessions: MemorySessionService;
} {
  const sessions = new MemorySessionService();
  const runner = new Runner({
    appName: 'assistant',
    instruction: 'You are a helpful assistant.',
    model: new BuiltinRecallModel({ contextWindow: 4096 }),
    modelLabel: { provider: 'builtin', name: 'recall' },
    contextWindow: 4096,
    sessionService: sessions,
    defaultBehavior: 'PERSISTENT',
    maxMessageBytes: 1024 * 1024,
    logger,
    ...overrides,
  });
  return { runner, sessions };
}

function turn(contextId: string, text: string, extra: Partial<TurnRequest> = {}): TurnRequest {
  return { contextId, taskId: randomUUID(), messageId: randomUUID(), text, ...extra };
}

async function eventsOf(sessions: MemorySessionService, key: SessionKey) {
  const page = await sessions.listEvents(key, { limit: 100 });
  return page.events;
}

/** A scripted model: streams the given words, then reports usage; records every prompt it was given. */
function scriptedModel(words: string[], usage = { input: 11, output: 7 }): MockLanguageModelV3 {
  return new MockLanguageModelV3({
    doStream: () =>
      Promise.resolve({
        stream: simulateReadableStream<LanguageModelV3StreamPart>({
          chunks: [
            { type: 'text-start', id: 't' },
            ...words.map((delta): LanguageModelV3StreamPart => ({
              type: 'text-delta',
              id: 't',
              delta,
            })),
            { type: 'text-end', id: 't' },
            {
              type: 'finish',
              finishReason: { unified: 'stop', raw: 'stop' },
              usage: {
                inputTokens: {
                  total: usage.input,
                  noCache: undefined,
                  cacheRead: undefined,
                  cacheWrite: undefined,
                },
                outputTokens: { total: usage.output, text: undefined, reasoning: undefined },
              },
            },
          ],
        }),
      }),
  });
}

function failingModel(message: string): LanguageModelV3 {
  return new MockLanguageModelV3({ doStream: () => Promise.reject(new Error(message)) });
}

describe('Runner', () => {
  it('remembers a fact across turns of one contextId (PERSISTENT)', async () => {
    const { runner, sessions } = createRunner();
    const contextId = `web-session-${randomUUID()}`;
    const first = await runner.runTurn(turn(contextId, 'My favorite color is blue'));
    expect(first.status).toBe('completed');
    const deltas: string[] = [];
    const second = await runner.runTurn(turn(contextId, 'What is my favorite color?'), {
      onDelta: (text) => deltas.push(text),
    });
    expect(second.status).toBe('completed');
    expect(second.text.toLowerCase()).toContain('blue');
    expect(deltas.join('')).toBe(second.text);
    expect(second.sessionId).toBe(contextId);
    expect(second.userId).toBe('anonymous');
    expect(second.model).toBe('builtin/recall');
    expect(second.contextWindow).toBe(4096);

    const events = await eventsOf(sessions, {
      appName: 'assistant',
      userId: 'anonymous',
      sessionId: contextId,
    });
    expect(events.map((event) => event.author)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(textOf(events[2]?.content ?? null)).toBe('What is my favorite color?');
    expect(textOf(events[3]?.content ?? null)).toBe(second.text);
    expect(events[3]?.usage?.inputTokens).toBe(second.usage.inputTokens);
  });

  it('reports the usage of each call and their sum', async () => {
    const { runner } = createRunner({
      model: scriptedModel(['Hello', ' there'], { input: 11, output: 7 }),
    });
    const result = await runner.runTurn(turn('ctx-usage', 'hi'));
    expect(result.text).toBe('Hello there');
    expect(result.usage).toEqual({
      inputTokens: 11,
      outputTokens: 7,
      totalTokens: 18,
      calls: [{ inputTokens: 11, outputTokens: 7, totalTokens: 18 }],
    });
  });

  it('stores the user message before calling the model', async () => {
    const sessions = new MemorySessionService();
    let storedBeforeCall: string[] = [];
    const model = new MockLanguageModelV3({
      doStream: async () => {
        const events = await eventsOf(sessions, {
          appName: 'assistant',
          userId: 'anonymous',
          sessionId: 'ctx-order',
        });
        storedBeforeCall = events.map((event) => textOf(event.content));
        throw new Error('stop here');
      },
    });
    const { runner } = createRunner({ model, sessionService: sessions, maxRetries: 0 });
    await runner.runTurn(turn('ctx-order', 'remember me'));
    expect(storedBeforeCall).toEqual(['remember me']);
  });

  it('runs each RUN_BASED turn in a fresh session that is deleted afterwards', async () => {
    const { runner, sessions } = createRunner({ defaultBehavior: 'RUN_BASED' });
    const contextId = 'ctx-run';
    const first = await runner.runTurn(
      turn(contextId, 'My favorite color is blue', { taskId: 'task-1' }),
    );
    expect(first.sessionId).toBe(`${contextId}:task-1:run`);
    expect(first.behavior).toBe('RUN_BASED');
    expect(
      await sessions.getSession({
        appName: 'assistant',
        userId: 'anonymous',
        sessionId: first.sessionId,
      }),
    ).toBeNull();
    const second = await runner.runTurn(turn(contextId, 'What is my favorite color?'));
    expect(second.status).toBe('completed');
    expect(second.text.toLowerCase()).not.toContain('blue');
  });

  it.each<[SessionBehavior, string, string]>([
    ['PERSISTENT', 'RUN_BASED', 'ctx-override:task-o:run'],
    ['RUN_BASED', 'persistent', 'ctx-override'],
  ])(
    'lets message metadata sessionBehavior override the default %s',
    async (defaultBehavior, override, expected) => {
      const { runner } = createRunner({ defaultBehavior });
      const result = await runner.runTurn(
        turn('ctx-override', 'hello', {
          taskId: 'task-o',
          metadata: { sessionBehavior: override },
        }),
      );
      expect(result.sessionId).toBe(expected);
    },
  );

  it('keeps the sessions of two users of one contextId apart', async () => {
    const { runner, sessions } = createRunner();
    await runner.runTurn(
      turn('ctx-users', 'My favorite color is blue', { metadata: { userId: 'alice' } }),
    );
    const bob = await runner.runTurn(
      turn('ctx-users', 'What is my favorite color?', { metadata: { userId: 'bob' } }),
    );
    expect(bob.userId).toBe('bob');
    expect(bob.text.toLowerCase()).not.toContain('blue');
    const alice = await runner.runTurn(
      turn('ctx-users', 'What is my favorite color?', { metadata: { userId: 'alice' } }),
    );
    expect(alice.text.toLowerCase()).toContain('blue');
    const aliceEvents = await eventsOf(sessions, {
      appName: 'assistant',
      userId: 'alice',
      sessionId: 'ctx-users',
    });
    expect(aliceEvents).toHaveLength(4);
  });

  it('rejects a userId that is not a non-empty string, naming the key', async () => {
    const { runner } = createRunner();
    await expect(
      runner.runTurn(turn('ctx-bad-user', 'hi', { metadata: { userId: 42 } })),
    ).rejects.toThrow(/metadata "userId" must be a non-empty string/);
  });

  it('stores a re-sent message once and replays the stored reply without calling the model', async () => {
    const model = scriptedModel(['Only', ' once']);
    const { runner, sessions } = createRunner({ model });
    const request = turn('ctx-dedupe', 'hello');
    const first = await runner.runTurn(request);
    const second = await runner.runTurn({ ...request, taskId: randomUUID() });
    expect(second.status).toBe('completed');
    expect(second.replayed).toBe(true);
    expect(second.text).toBe(first.text);
    expect(second.usage.totalTokens).toBe(first.usage.totalTokens);
    expect(model.doStreamCalls).toHaveLength(1);
    const events = await eventsOf(sessions, {
      appName: 'assistant',
      userId: 'anonymous',
      sessionId: 'ctx-dedupe',
    });
    expect(events).toHaveLength(2);
  });

  it('answers a re-sent message whose first run failed, without storing it again', async () => {
    const sessions = new MemorySessionService();
    const request = turn('ctx-retry', 'My favorite color is green');
    const broken = createRunner({
      sessionService: sessions,
      model: failingModel('provider down'),
      maxRetries: 0,
    });
    expect((await broken.runner.runTurn(request)).status).toBe('failed');
    const healthy = createRunner({ sessionService: sessions });
    const result = await healthy.runner.runTurn({ ...request, taskId: randomUUID() });
    expect(result.status).toBe('completed');
    expect(result.replayed).toBe(false);
    const events = await eventsOf(sessions, {
      appName: 'assistant',
      userId: 'anonymous',
      sessionId: 'ctx-retry',
    });
    expect(events.map((event) => event.author)).toEqual(['user', 'assistant']);
  });

  it('answers a message a dead replica stored without a reply, storing it once', async () => {
    // Two replicas on one database: the first stored the user message, then died before replying.
    const sessions = new MemorySessionService();
    const key = { appName: 'assistant', userId: 'anonymous', sessionId: 'ctx-failover' };
    const request = turn('ctx-failover', 'My favorite color is green');
    await sessions.getOrCreateSession(key);
    await sessions.appendEvent(key, {
      invocationId: 'task-on-the-dead-replica',
      author: 'user',
      messageId: request.messageId,
      content: createUserContent(request.text),
    });
    const model = scriptedModel(['Noted', ': green']);
    const survivor = createRunner({ sessionService: sessions, model });
    const deltas: string[] = [];
    const result = await survivor.runner.runTurn(
      { ...request, taskId: 'task-on-the-survivor' },
      { onDelta: (text) => deltas.push(text) },
    );
    expect(result).toMatchObject({ status: 'completed', text: 'Noted: green', replayed: false });
    expect(deltas.join('')).toBe('Noted: green');
    const events = await eventsOf(sessions, key);
    expect(events.map((event) => [event.author, event.messageId])).toEqual([
      ['user', request.messageId],
      ['assistant', null],
    ]);
    // The model saw the user message exactly once.
    const prompt = model.doStreamCalls[0]?.prompt ?? [];
    expect(prompt.filter((message) => message.role === 'user')).toHaveLength(1);
    expect(model.doStreamCalls).toHaveLength(1);

    // A third re-send (the gateway retrying once more) replays the stored reply.
    const again = await survivor.runner.runTurn({ ...request, taskId: 'task-third' });
    expect(again).toMatchObject({ status: 'completed', text: 'Noted: green', replayed: true });
    expect(model.doStreamCalls).toHaveLength(1);
    expect(await eventsOf(sessions, key)).toHaveLength(2);
  });

  it('stops the model call on cancel and stores the partial reply marked canceled', async () => {
    const { runner, sessions } = createRunner({ model: new BuiltinRecallModel({ delayMs: 30 }) });
    const controller = new AbortController();
    const deltas: string[] = [];
    const result = await runner.runTurn(
      turn('ctx-cancel', 'My name is Ada and my favorite color is blue and I live in Paris', {
        signal: controller.signal,
      }),
      {
        onDelta: (text) => {
          deltas.push(text);
          if (deltas.length === 2) controller.abort('canceled');
        },
      },
    );
    expect(result.status).toBe('canceled');
    expect(result.text).toBe(deltas.join(''));
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    const events = await eventsOf(sessions, {
      appName: 'assistant',
      userId: 'anonymous',
      sessionId: 'ctx-cancel',
    });
    const reply = events[1];
    expect(reply === undefined ? undefined : replyDataOf(reply)).toEqual({
      replyStatus: 'canceled',
    });
    expect(textOf(reply?.content ?? null)).toBe(result.text);
  });

  it('marks a turn stopped by a shutdown as interrupted', async () => {
    const { runner, sessions } = createRunner({ model: new BuiltinRecallModel({ delayMs: 30 }) });
    const controller = new AbortController();
    const result = await runner.runTurn(
      turn('ctx-interrupt', 'My name is Ada and my favorite color is blue', {
        signal: controller.signal,
      }),
      { onDelta: () => controller.abort('interrupted') },
    );
    expect(result.status).toBe('interrupted');
    const events = await eventsOf(sessions, {
      appName: 'assistant',
      userId: 'anonymous',
      sessionId: 'ctx-interrupt',
    });
    expect(events[1] === undefined ? undefined : replyDataOf(events[1])?.replyStatus).toBe(
      'interrupted',
    );
  });

  it('reports a model failure with a clear message and keeps what was stored', async () => {
    const sessions = new MemorySessionService();
    const ok = createRunner({ sessionService: sessions });
    await ok.runner.runTurn(turn('ctx-fail', 'My favorite color is blue'));
    const broken = createRunner({
      sessionService: sessions,
      model: failingModel('connect ECONNREFUSED 127.0.0.1:9'),
      modelLabel: { provider: 'openai-compatible', name: 'fake', baseUrl: 'http://127.0.0.1:9/v1' },
      maxRetries: 0,
    });
    const failed = await broken.runner.runTurn(turn('ctx-fail', 'What is my favorite color?'));
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('LLM_CALL_FAILED');
    expect(failed.error?.message).toContain('openai-compatible/fake');
    expect(failed.error?.message).toContain('ECONNREFUSED');
    const events = await eventsOf(sessions, {
      appName: 'assistant',
      userId: 'anonymous',
      sessionId: 'ctx-fail',
    });
    expect(events.map((event) => textOf(event.content))).toEqual([
      'My favorite color is blue',
      expect.any(String),
      'What is my favorite color?',
    ]);
    const again = await ok.runner.runTurn(turn('ctx-fail', 'What is my favorite color?'));
    expect(again.text.toLowerCase()).toContain('blue');
  });

  it('rejects a message over max_message_bytes before storing anything', async () => {
    const { runner, sessions } = createRunner({ maxMessageBytes: 1024 * 1024 });
    const big = 'x'.repeat(2 * 1000 * 1000);
    const error: unknown = await runner
      .runTurn(turn('ctx-big', big))
      .catch((caught: unknown) => caught);
    expect(isMeshError(error, 'PAYLOAD_TOO_LARGE')).toBe(true);
    expect((error as Error).message).toContain('2000000 bytes');
    expect((error as Error).message).toContain('limits.max_message_bytes');
    expect(
      await sessions.getSession({
        appName: 'assistant',
        userId: 'anonymous',
        sessionId: 'ctx-big',
      }),
    ).toBeNull();
  });

  it('retries the model call when onModelError asks to, restarting the reply', async () => {
    let calls = 0;
    const model = new MockLanguageModelV3({
      doStream: async (options) => {
        calls += 1;
        if (calls === 1) throw new Error('context_length_exceeded');
        return scriptedModel(['fine']).doStream(options);
      },
    });
    const seen: string[] = [];
    const hooks: RunnerHooks = {
      prepareTurn: ({ context }) => {
        seen.push(`prepare:${context.events.length}`);
        return context;
      },
      onModelError: ({ error, attempt }) => {
        seen.push(`error:${attempt}:${error.code}`);
        return 'retry';
      },
    };
    const { runner } = createRunner({ model, hooks, maxRetries: 0 });
    let resets = 0;
    const result = await runner.runTurn(turn('ctx-hooks', 'hi'), { onReset: () => (resets += 1) });
    expect(result.status).toBe('completed');
    expect(result.text).toBe('fine');
    expect(seen).toEqual(['prepare:1', 'error:1:LLM_CALL_FAILED', 'prepare:1']);
    expect(resets).toBe(1);
  });

  it('forwards a message that names a peer and stores the peer answer as its reply', async () => {
    const calls: unknown[] = [];
    const peers: PeerDelegate = {
      match: (text) =>
        Promise.resolve(
          text.startsWith('@researcher ')
            ? { peer: 'researcher', text: text.slice(12) }
            : undefined,
        ),
      call: (input) => {
        calls.push({
          peer: input.peer,
          text: input.text,
          contextId: input.contextId,
          userId: input.userId,
        });
        input.onDelta('Paris ');
        input.onDelta('is nice.');
        return Promise.resolve({ text: 'Paris is nice.', peerTaskId: 'peer-task-1' });
      },
    };
    const { runner, sessions } = createRunner({ peers });
    const result = await runner.runTurn(
      turn('ctx-peer', '@researcher tell me about Paris', { metadata: { userId: 'alice' } }),
    );
    expect(result).toMatchObject({
      status: 'completed',
      text: 'Paris is nice.',
      delegatedTo: 'researcher',
    });
    expect(calls).toEqual([
      { peer: 'researcher', text: 'tell me about Paris', contextId: 'ctx-peer', userId: 'alice' },
    ]);
    const events = await eventsOf(sessions, {
      appName: 'assistant',
      userId: 'alice',
      sessionId: 'ctx-peer',
    });
    expect(textOf(events[0]?.content ?? null)).toBe('@researcher tell me about Paris');
    expect(events[1] === undefined ? undefined : replyDataOf(events[1])).toEqual({
      replyStatus: 'completed',
      delegatedTo: 'researcher',
      peerTaskId: 'peer-task-1',
    });
  });
});
