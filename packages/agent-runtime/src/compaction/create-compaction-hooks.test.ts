import { randomUUID } from 'node:crypto';
import type { LanguageModelV3CallOptions } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { BuiltinRecallModel } from '../models/builtin/builtin-recall-model.js';
import { promptToTranscript } from '../models/builtin/prompt-to-transcript.js';
import { replyDataOf, textOf } from '../runner/reply-content.js';
import type { MemorySessionService } from '../sessions/memory-session-service.js';
import { createCompactionHooks } from './create-compaction-hooks.js';
import { adaKey, adaTurn, createCompactionRunner } from './testing/compaction-runner.js';

const filler = 'I am writing this down so that we can come back to it much later in this chat.';

/** The built-in model, recording the transcript of every prompt it is given (streamed or not). */
class RecordingModel extends BuiltinRecallModel {
  readonly prompts: string[][] = [];

  override doStream(options: LanguageModelV3CallOptions) {
    this.prompts.push(promptToTranscript(options.prompt).map((m) => `${m.role}: ${m.content}`));
    return super.doStream(options);
  }
}

function createRunner(contextWindow: number, enabled = true) {
  const model = new RecordingModel({ contextWindow });
  const { runner, sessions } = createCompactionRunner(model, contextWindow, (options) =>
    createCompactionHooks({ ...options, enabled, appName: 'assistant' }),
  );
  return { runner, sessions, model };
}

async function historyOf(sessions: MemorySessionService, contextId: string) {
  return (await sessions.listEvents(adaKey(contextId), { limit: 1000 })).events;
}

describe('createCompactionHooks in the runner', () => {
  it('compacts and retries without storing the user message twice, and says so in the result', async () => {
    const { runner, sessions } = createRunner(400);
    const contextId = `web-session-${randomUUID()}`;
    const results = [];
    for (let index = 1; index <= 12; index += 1) {
      results.push(
        await runner.runTurn(
          adaTurn(contextId, `The code for locker ${index} is ${4700 + index}. ${filler}`),
        ),
      );
    }
    expect(results.map((result) => result.status)).toEqual(results.map(() => 'completed'));
    const compacted = results.filter((result) => result.compaction !== undefined);
    expect(compacted.length).toBeGreaterThanOrEqual(1);
    for (const result of compacted) {
      expect(result.compaction?.turnsCompacted).toBeGreaterThanOrEqual(1);
      expect(result.compaction?.tokensAfter).toBeLessThan(result.compaction?.tokensBefore ?? 0);
    }
    expect(results.find((result) => result.compaction === undefined)).toBeDefined();

    const history = await historyOf(sessions, contextId);
    const userTexts = history
      .filter((event) => event.author === 'user')
      .map((e) => textOf(e.content));
    expect(userTexts).toHaveLength(12);
    expect(new Set(userTexts).size).toBe(12);
    const compactions = history.filter((event) => event.actions.compaction !== undefined);
    expect(compactions.map((event) => event.actions.compaction?.compactionCount)).toEqual(
      compactions.map((_, index) => index + 1),
    );
  });

  it('stores a failed reply with the numbers when the newest message alone does not fit', async () => {
    const { runner, sessions, model } = createRunner(300);
    const contextId = `web-session-${randomUUID()}`;
    expect((await runner.runTurn(adaTurn(contextId, 'My name is Ada.'))).status).toBe('completed');
    expect((await runner.runTurn(adaTurn(contextId, 'I live in London.'))).status).toBe(
      'completed',
    );
    const huge = `Please read this: ${'a long sentence that keeps going '.repeat(60)}`;
    const failed = await runner.runTurn(adaTurn(contextId, huge));

    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('CONTEXT_OVERFLOW');
    expect(failed.error?.message).toMatch(
      /^Your latest message alone needs about \d+ tokens, but the model's context window is 300 tokens\./,
    );
    // Compacting the history could not have helped, so it was left alone.
    const history = await historyOf(sessions, contextId);
    expect(history.filter((event) => event.actions.compaction !== undefined)).toEqual([]);
    expect(history.filter((event) => textOf(event.content) === huge)).toHaveLength(1);
    const notice = history.at(-1);
    expect(notice === undefined ? undefined : replyDataOf(notice)).toMatchObject({
      replyStatus: 'failed',
      error: { code: 'CONTEXT_OVERFLOW' },
    });
    expect(textOf(notice?.content ?? null)).toBe(failed.error?.message);

    // The next turn goes on; the failure notice is never part of a prompt.
    const next = await runner.runTurn(adaTurn(contextId, 'What is my name?'));
    expect(next.status).toBe('completed');
    expect(next.text).toBe('Your name is Ada.');
    expect(model.prompts.flat().join('\n')).not.toContain('Your latest message alone');
  });

  it('says that automatic compaction is off instead of passing on the raw provider error', async () => {
    const { runner, sessions } = createRunner(200, false);
    const contextId = `web-session-${randomUUID()}`;
    let result;
    for (let index = 1; index <= 10; index += 1) {
      result = await runner.runTurn(
        adaTurn(contextId, `The code for locker ${index} is ${4700 + index}.`),
      );
      if (result.status !== 'completed') break;
    }
    expect(result?.status).toBe('failed');
    expect(result?.error?.code).toBe('CONTEXT_OVERFLOW');
    expect(result?.error?.message).toContain('auto_summarization.enabled: false');
    expect(result?.error?.message).toContain('context window of 200 tokens');
    const history = await historyOf(sessions, contextId);
    expect(history.filter((event) => event.actions.compaction !== undefined)).toEqual([]);
  });
});
