import { APICallError } from '@ai-sdk/provider';
import type { LanguageModelV3Prompt, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { generateText, streamText } from 'ai';
import type { ModelMessage } from 'ai';
import { describe, expect, it } from 'vitest';

import { estimatePromptTokens, estimateTokens } from '../estimate-tokens.js';
import { builtinSummaryInstruction } from './answer-from-transcript.js';
import { BuiltinRecallModel } from './builtin-recall-model.js';

const history: ModelMessage[] = [
  { role: 'user', content: 'My favorite color is blue' },
  { role: 'assistant', content: 'Got it: your favorite color is blue.' },
  { role: 'user', content: 'What is my favorite color?' },
];

function promptOf(text: string): LanguageModelV3Prompt {
  return [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: [{ type: 'text', text }] },
  ];
}

async function readAll(
  stream: ReadableStream<LanguageModelV3StreamPart>,
): Promise<LanguageModelV3StreamPart[]> {
  const parts: LanguageModelV3StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe('BuiltinRecallModel', () => {
  it('streams the recalled answer word by word through streamText and reports estimated usage', async () => {
    const result = streamText({
      model: new BuiltinRecallModel(),
      system: 'You are a helpful assistant.',
      messages: history,
    });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);

    expect(deltas).toEqual(['Your ', 'favorite ', 'color ', 'is ', 'blue.']);
    const usage = await result.usage;
    const expectedInput =
      4 +
      estimateTokens('You are a helpful assistant.') +
      4 +
      estimateTokens('My favorite color is blue') +
      4 +
      estimateTokens('Got it: your favorite color is blue.') +
      4 +
      estimateTokens('What is my favorite color?');
    expect(usage.inputTokens).toBe(expectedInput);
    expect(usage.outputTokens).toBe(estimateTokens('Your favorite color is blue.'));
    expect(usage.totalTokens).toBe(expectedInput + estimateTokens('Your favorite color is blue.'));
    expect(await result.finishReason).toBe('stop');
  });

  it('answers from the prompt only: a fresh model instance recalls, and forgets when the fact is gone', async () => {
    const recalled = await generateText({ model: new BuiltinRecallModel(), messages: history });
    expect(recalled.text).toBe('Your favorite color is blue.');
    const model = new BuiltinRecallModel();
    await generateText({ model, messages: history });
    const forgotten = await generateText({ model, messages: history.slice(2) });
    expect(forgotten.text).toBe("I don't know your favorite color yet.");
  });

  it('summarises with every fact when given the summary instruction', async () => {
    const result = await generateText({
      model: new BuiltinRecallModel(),
      system: builtinSummaryInstruction,
      messages: [
        { role: 'user', content: 'My favorite color is blue' },
        { role: 'assistant', content: 'Got it.' },
        { role: 'user', content: 'Remember: my project ID is ALPHA-789' },
      ],
    });
    expect(result.text).toBe(
      'Summary of earlier conversation:\n- favorite color: blue\n- project ID: ALPHA-789',
    );
  });

  it('emits the stream parts of the V3 spec in order, with one text id and a stop finish', async () => {
    const { stream } = await new BuiltinRecallModel().doStream({
      prompt: promptOf('My name is Ada'),
    });
    const parts = await readAll(stream);
    expect(parts.map((part) => part.type)).toEqual([
      'stream-start',
      'response-metadata',
      'text-start',
      ...Array<string>(6).fill('text-delta'),
      'text-end',
      'finish',
    ]);
    const text = parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
    expect(text).toBe('Got it: your name is Ada.');
    expect(new Set(parts.flatMap((part) => ('id' in part ? [part.id] : []))).size).toBe(1);
    const finish = parts.at(-1);
    expect(finish).toMatchObject({
      type: 'finish',
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: { inputTokens: { total: estimatePromptTokens(promptOf('My name is Ada')) } },
    });
  });

  it('pauses delay_ms between words and stops with the abort reason when aborted', async () => {
    const model = new BuiltinRecallModel({ delayMs: 40 });
    const started = performance.now();
    await readAll((await model.doStream({ prompt: promptOf('My name is Ada') })).stream);
    // Five words, four pauses.
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);

    const controller = new AbortController();
    const slow = new BuiltinRecallModel({ delayMs: 10_000 });
    const { stream } = await slow.doStream({
      prompt: promptOf('My name is Ada'),
      abortSignal: controller.signal,
    });
    const reader = stream.getReader();
    const seen: string[] = [];
    const reading = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        seen.push(value.type);
        if (value.type === 'text-delta') controller.abort(new Error('user pressed stop'));
      }
    })();
    const abortStarted = performance.now();
    await expect(reading).rejects.toThrow('user pressed stop');
    expect(performance.now() - abortStarted).toBeLessThan(1_000);
    expect(seen.filter((type) => type === 'text-delta')).toHaveLength(1);
  });

  it('rejects a call whose signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(
      new BuiltinRecallModel().doGenerate({
        prompt: promptOf('hi'),
        abortSignal: controller.signal,
      }),
    ).rejects.toThrow('too late');
  });

  describe('context overflow', () => {
    const bigText = 'word '.repeat(4_000); // 20,000 characters
    const bigPrompt = promptOf(bigText);
    const promptTokens = estimatePromptTokens(bigPrompt);

    it("fails like OpenAI's context_length_exceeded, with the real numbers", async () => {
      const model = new BuiltinRecallModel({ contextWindow: 4096 });
      const error: unknown = await model.doStream({ prompt: bigPrompt }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(APICallError.isInstance(error)).toBe(true);
      const apiError = error as APICallError;
      expect(apiError.statusCode).toBe(400);
      expect(apiError.isRetryable).toBe(false);
      expect(JSON.parse(apiError.responseBody ?? '')).toEqual({
        error: {
          message:
            `This model's maximum context length is 4096 tokens. However, your messages resulted in ` +
            `${promptTokens} tokens. Please reduce the length of the messages.`,
          type: 'invalid_request_error',
          param: 'messages',
          code: 'context_length_exceeded',
        },
      });
      await expect(model.doGenerate({ prompt: bigPrompt })).rejects.toSatisfy(
        APICallError.isInstance,
      );
    });

    it('counts the requested completion against the window', async () => {
      const fits = new BuiltinRecallModel({ contextWindow: promptTokens + 10 });
      await expect(fits.doGenerate({ prompt: bigPrompt })).resolves.toMatchObject({
        finishReason: { unified: 'stop' },
      });

      const error = await fits
        .doGenerate({ prompt: bigPrompt, maxOutputTokens: 11 })
        .catch((thrown: unknown) => thrown);
      expect(APICallError.isInstance(error) && JSON.parse(error.responseBody ?? '')).toMatchObject({
        error: {
          message:
            `This model's maximum context length is ${promptTokens + 10} tokens. However, you requested ` +
            `${promptTokens + 11} tokens (${promptTokens} in the messages, 11 in the completion). ` +
            'Please reduce the length of the messages or completion.',
          code: 'context_length_exceeded',
        },
      });
      const configured = new BuiltinRecallModel({
        contextWindow: promptTokens + 10,
        maxOutputTokens: 11,
      });
      await expect(configured.doGenerate({ prompt: bigPrompt })).rejects.toSatisfy(
        APICallError.isInstance,
      );
    });

    it('reaches a streamText caller as the APICallError with status 400 and the raw body', async () => {
      const errors: unknown[] = [];
      const result = streamText({
        model: new BuiltinRecallModel({ contextWindow: 4096 }),
        prompt: bigText,
        maxRetries: 0,
        onError: ({ error }) => {
          errors.push(error);
        },
      });
      const parts: string[] = [];
      for await (const part of result.fullStream) {
        parts.push(part.type);
        if (part.type === 'error') errors.push(part.error);
      }
      expect(parts).toContain('error');
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(APICallError.isInstance(error)).toBe(true);
        expect((error as APICallError).statusCode).toBe(400);
        expect((error as APICallError).responseBody).toContain('"code":"context_length_exceeded"');
      }
    });
  });
});
