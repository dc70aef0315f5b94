import { randomUUID } from 'node:crypto';
import { APICallError } from '@ai-sdk/provider';
import { isMeshError, type MeshError } from '@agent-mesh/shared';
import { describe, expect, it } from 'vitest';
import { createContextLengthExceededError } from '../models/builtin/context-length-exceeded.js';
import { BuiltinRecallModel } from '../models/builtin/builtin-recall-model.js';
import { MemorySessionService } from '../sessions/memory-session-service.js';
import { lockerConversation } from '../testing/locker-conversation.js';
import type { SessionKey } from '../sessions/session-service.js';
import type { CompactionResult } from './compact-session.js';
import { InProcessSessionLock } from './in-process-session-lock.js';
import { runWithCompaction } from './run-with-compaction.js';
import { testInstruction } from './testing/compaction-runner.js';
import { runTurnsWithCompaction } from './testing/run-turns-with-compaction.js';

function overflowError(contextWindow: number, promptTokens: number): APICallError {
  return createContextLengthExceededError(
    { contextWindow, promptTokens },
    { url: 'https://api.example.invalid/v1/chat/completions', requestBodyValues: {} },
  );
}

const compacted: CompactionResult = {
  status: 'compacted',
  turnsCompacted: 2,
  turnsKept: 6,
  tokensBefore: 900,
  tokensAfter: 500,
  summary: '- name: Ada',
  eventSeq: 17,
  startSeq: 1,
  endSeq: 4,
  model: 'builtin/recall',
};

async function caught(promise: Promise<unknown>): Promise<MeshError> {
  try {
    await promise;
  } catch (error) {
    if (isMeshError(error)) return error;
    throw error;
  }
  throw new Error('expected a MeshError');
}

describe('runWithCompaction', () => {
  it('returns the first attempt without compacting when it succeeds', async () => {
    let compactions = 0;
    const result = await runWithCompaction({
      attempt: () => Promise.resolve('answer'),
      compact: () => {
        compactions += 1;
        return Promise.resolve(compacted);
      },
    });
    expect(result).toBe('answer');
    expect(compactions).toBe(0);
  });

  it('compacts and retries after an overflow', async () => {
    const attempts: number[] = [];
    const overflows: (number | undefined)[] = [];
    const result = await runWithCompaction({
      attempt: ({ attempt }) => {
        attempts.push(attempt);
        return attempt === 1
          ? Promise.reject(overflowError(4096, 5000))
          : Promise.resolve('answer');
      },
      compact: ({ overflow }) => {
        overflows.push(overflow.limit);
        return Promise.resolve(compacted);
      },
    });
    expect(result).toBe('answer');
    expect(attempts).toEqual([1, 2]);
    expect(overflows).toEqual([4096]);
  });

  it('retries without compacting again when another process already compacted', async () => {
    let calls = 0;
    const result = await runWithCompaction({
      attempt: () =>
        ++calls === 1 ? Promise.reject(overflowError(100, 120)) : Promise.resolve(calls),
      compact: () =>
        Promise.resolve({ status: 'already-compacted', compactionSeq: 9, message: 'done' }),
    });
    expect(result).toBe(2);
  });

  it('rethrows any other error untouched, without compacting', async () => {
    const failure = new APICallError({
      message: 'Incorrect API key provided.',
      url: 'https://api.example.invalid',
      requestBodyValues: {},
      statusCode: 401,
    });
    let compactions = 0;
    await expect(
      runWithCompaction({
        attempt: () => Promise.reject(failure),
        compact: () => {
          compactions += 1;
          return Promise.resolve(compacted);
        },
      }),
    ).rejects.toBe(failure);
    expect(compactions).toBe(0);
  });

  it('stops after three compactions with CONTEXT_OVERFLOW and the numbers', async () => {
    let compactions = 0;
    const error = await caught(
      runWithCompaction({
        attempt: () => Promise.reject(overflowError(4096, 9000)),
        compact: () => {
          compactions += 1;
          return Promise.resolve(compacted);
        },
      }),
    );
    expect(compactions).toBe(3);
    expect(error.code).toBe('CONTEXT_OVERFLOW');
    expect(error.message).toContain('after 3 compactions');
    expect(error.details).toMatchObject({ compactions: 3, limit: 4096, requested: 9000 });
  });

  it('honours a lower maxCompactions', async () => {
    let compactions = 0;
    await caught(
      runWithCompaction({
        attempt: () => Promise.reject(overflowError(10, 20)),
        compact: () => {
          compactions += 1;
          return Promise.resolve(compacted);
        },
        maxCompactions: 1,
      }),
    );
    expect(compactions).toBe(1);
  });

  it('tells the user their latest message alone does not fit when nothing is left to compact', async () => {
    const error = await caught(
      runWithCompaction({
        attempt: () => Promise.reject(overflowError(4096, 5000)),
        compact: () =>
          Promise.resolve({
            status: 'nothing-to-compact',
            reason: 'single-turn',
            message: 'only the newest turn is left',
            turnsTotal: 1,
            tokensBefore: 4800,
          }),
      }),
    );
    expect(error.code).toBe('CONTEXT_OVERFLOW');
    expect(error.message).toBe(
      "Your latest message alone needs about 5000 tokens, but the model's context window is 4096 tokens. " +
        'Shorten the message or use a model with a larger context window.',
    );
    expect(error.details).toMatchObject({ requested: 5000, limit: 4096 });
  });

  it('falls back to the estimate and the configured window when the provider gave no numbers', async () => {
    const ollama = new APICallError({
      message: 'the input length exceeds the context length',
      url: 'http://127.0.0.1:11434/v1/chat/completions',
      requestBodyValues: {},
      statusCode: 400,
    });
    const error = await caught(
      runWithCompaction({
        attempt: () => Promise.reject(ollama),
        compact: () =>
          Promise.resolve({
            status: 'nothing-to-compact',
            reason: 'single-turn',
            message: 'only the newest turn is left',
            turnsTotal: 1,
            tokensBefore: 2345,
          }),
        contextWindow: 2048,
      }),
    );
    expect(error.message).toMatch(
      /^Your latest message alone needs about 2345 tokens, but the model's context window is 2048 tokens\./,
    );
    expect(error.details).toMatchObject({ requested: 2345, limit: 2048, source: 'ollama' });
  });
});

describe('runWithCompaction with compactSession and the built-in model', () => {
  it('holds a 40-turn conversation in a 1500-token window and recalls turn 1 at turn 40', async () => {
    const sessions = new MemorySessionService();
    const lock = new InProcessSessionLock();
    const model = new BuiltinRecallModel({ contextWindow: 1500 });
    const key: SessionKey = {
      appName: 'assistant',
      userId: 'ada',
      sessionId: `web-session-${randomUUID()}`,
    };
    await sessions.createSession(key);

    const filler =
      'I am writing this down now so that we can come back to it much later in this long chat. ' +
      'Please keep it safe, as I will certainly need it again in a few days, thank you.';
    const messages = lockerConversation(37, filler, [
      'What is the code for locker 3?',
      'What is my name?',
    ]);
    const { replies, userEvents, compactions, attempts } = await runTurnsWithCompaction({
      sessions,
      key,
      lock,
      model,
      instruction: testInstruction,
      messages,
      contextWindow: 1500,
    });
    // The runner stores each user message once, before the first attempt.
    expect(userEvents.map((event) => event.deduplicated)).toEqual(messages.map(() => false));

    expect(replies).toHaveLength(40);
    expect(replies[38]).toBe('The code for locker 3 is 4703.');
    expect(replies[39]).toBe('Your name is Ada Lovelace.');
    expect(compactions).toBeGreaterThanOrEqual(3);
    expect(attempts).toBe(40 + compactions);

    // Every user message is stored exactly once, and every original event is still there.
    const all = [];
    for (let afterSeq = 0; ;) {
      const page = await sessions.listEvents(key, { afterSeq, limit: 100 });
      all.push(...page.events);
      if (page.nextAfterSeq === null) break;
      afterSeq = page.nextAfterSeq;
    }
    expect(all.filter((event) => event.author === 'user')).toHaveLength(40);
    expect(all.filter((event) => event.actions.compaction !== undefined)).toHaveLength(compactions);
    expect(all).toHaveLength(80 + compactions);
  });
});
