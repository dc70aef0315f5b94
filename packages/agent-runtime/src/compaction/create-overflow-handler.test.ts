import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BuiltinRecallModel } from '../models/builtin/builtin-recall-model.js';
import { MemorySessionService } from '../sessions/memory-session-service.js';
import { lockerConversation } from '../testing/locker-conversation.js';
import { createOverflowHandler } from './create-overflow-handler.js';
import { InProcessSessionLock } from './in-process-session-lock.js';
import { adaKey, adaTurn, createCompactionRunner } from './testing/compaction-runner.js';

function createRunner(contextWindow: number) {
  const model = new BuiltinRecallModel({ contextWindow });
  return createCompactionRunner(model, contextWindow, (options) => ({
    onModelError: createOverflowHandler(options),
  }));
}

describe('createOverflowHandler in the runner', () => {
  it('keeps a long conversation going through the runner seam and recalls the first turn', async () => {
    const { runner, sessions } = createRunner(1000);
    const contextId = `web-session-${randomUUID()}`;
    const filler = 'I am writing this down so that we can come back to it much later in this chat.';
    const texts = lockerConversation(30, filler);
    const results = [];
    for (const text of texts) results.push(await runner.runTurn(adaTurn(contextId, text)));

    expect(results.map((result) => result.status)).toEqual(texts.map(() => 'completed'));
    expect(results.at(-1)?.text).toBe('Your name is Ada Lovelace.');
    const key = adaKey(contextId);
    const history = await sessions.listEvents(key, { limit: 1000 });
    const compactions = history.events.filter((event) => event.actions.compaction !== undefined);
    expect(compactions.length).toBeGreaterThanOrEqual(2);
    expect(history.events.filter((event) => event.author === 'user')).toHaveLength(texts.length);
  });

  it('fails the turn with CONTEXT_OVERFLOW and the numbers when the newest message alone is too long', async () => {
    const { runner, sessions } = createRunner(200);
    const contextId = `web-session-${randomUUID()}`;
    const huge = `My essay: ${'words that go on and on '.repeat(60)}`;
    const result = await runner.runTurn(adaTurn(contextId, huge));

    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('CONTEXT_OVERFLOW');
    expect(result.error?.message).toMatch(
      /^Your latest message alone needs about \d+ tokens, but the model's context window is 200 tokens\. Shorten the message or use a model with a larger context window\.$/,
    );
    expect(result.error?.details).toMatchObject({ limit: 200 });
    expect(Number(result.error?.details.requested)).toBeGreaterThan(200);
    const history = await sessions.listEvents(adaKey(contextId), { limit: 10 });
    expect(history.events.filter((event) => event.author === 'user')).toHaveLength(1);
  });

  it('answers fail for errors that are not overflows', async () => {
    const handler = createOverflowHandler({
      sessions: new MemorySessionService(),
      lock: new InProcessSessionLock(),
      model: new BuiltinRecallModel(),
      percentage: 0.25,
    });
    const verdict = await handler({
      key: { appName: 'a', userId: 'u', sessionId: 's' },
      context: {
        session: {
          appName: 'a',
          userId: 'u',
          sessionId: 's',
          state: {},
          lastSeq: 0,
          compactionSeq: null,
          createdAt: new Date(0),
          updatedAt: new Date(0),
        },
        summary: null,
        events: [],
      },
      error: new Error('socket hang up'),
      attempt: 1,
    });
    expect(verdict).toBe('fail');
  });
});
