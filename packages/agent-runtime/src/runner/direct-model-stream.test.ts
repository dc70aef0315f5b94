import { APICallError } from '@ai-sdk/provider';
import { streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { BuiltinRecallModel } from '../models/index.js';
import type { TurnPrompt } from './build-prompt.js';
import { streamModelDirectly, toModelPrompt, type ModelStreamPart } from './direct-model-stream.js';
import { toCallUsage, type CallUsage } from './turn-usage.js';

const prompt: TurnPrompt = {
  system: 'You are a helpful assistant.',
  messages: [
    { role: 'user', content: 'My favorite color is blue' },
    { role: 'assistant', content: 'Got it: your favorite color is blue.' },
    { role: 'user', content: 'What is my favorite color?' },
  ],
};

async function direct(model: BuiltinRecallModel, turn: TurnPrompt) {
  const modelPrompt = toModelPrompt(turn);
  if (modelPrompt === undefined) throw new Error('not plain text');
  const parts: ModelStreamPart[] = [];
  for await (const part of streamModelDirectly(model, modelPrompt, new AbortController().signal))
    parts.push(part);
  return parts;
}

async function throughStreamText(model: BuiltinRecallModel, turn: TurnPrompt) {
  let text = '';
  const calls: CallUsage[] = [];
  const errors: unknown[] = [];
  const result = streamText({ model, ...turn, maxRetries: 0, onError: () => undefined });
  for await (const part of result.fullStream) {
    if (part.type === 'text-delta') text += part.text;
    else if (part.type === 'finish-step') calls.push(toCallUsage(part.usage));
    else if (part.type === 'error') errors.push(part.error);
  }
  return { text, calls, errors };
}

describe('streamModelDirectly', () => {
  it('streams the same text and usage as streamText does for the built-in model', async () => {
    const model = new BuiltinRecallModel({ contextWindow: 4096 });
    const parts = await direct(model, prompt);
    const text = parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');
    const calls = parts.flatMap((part) => (part.type === 'finish-step' ? [part.usage] : []));
    const expected = await throughStreamText(model, prompt);
    expect(text).toBe(expected.text);
    expect(text).toContain('blue');
    expect(calls).toEqual(expected.calls);
    expect(calls[0]?.inputTokens).toBeGreaterThan(0);
  });

  it('throws the overflow error the model raises, as streamText reports it', async () => {
    const model = new BuiltinRecallModel({ contextWindow: 8 });
    const thrown = await direct(model, prompt).catch((error: unknown) => error);
    expect(APICallError.isInstance(thrown)).toBe(true);
    const expected = await throughStreamText(model, prompt);
    expect((thrown as Error).message).toBe((expected.errors[0] as Error).message);
  });

  it('leaves a prompt that is not plain text to the AI SDK', () => {
    expect(
      toModelPrompt({
        system: '',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      }),
    ).toBeUndefined();
  });
});
