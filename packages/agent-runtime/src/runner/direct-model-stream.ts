import type { LanguageModelV3, LanguageModelV3Prompt } from '@ai-sdk/provider';
import type { TurnPrompt } from './build-prompt.js';
import type { CallUsage } from './turn-usage.js';

/** The parts of a model call the runner reads, as the AI SDK's `fullStream` names them. */
export type ModelStreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'finish-step'; usage: CallUsage }
  | { type: 'error'; error: unknown };

/**
 * The prompt as the model itself takes it, or undefined when a message is not plain text (then only
 * the AI SDK knows how to convert it). The same messages the AI SDK would pass for a string prompt.
 */
export function toModelPrompt(prompt: TurnPrompt): LanguageModelV3Prompt | undefined {
  const messages: LanguageModelV3Prompt = [{ role: 'system', content: prompt.system }];
  for (const message of prompt.messages) {
    if (message.role !== 'user' && message.role !== 'assistant') return undefined;
    if (typeof message.content !== 'string') return undefined;
    messages.push({ role: message.role, content: [{ type: 'text', text: message.content }] });
  }
  return messages;
}

/**
 * Calls one of our own models (the built-in one) without the AI SDK's `streamText`. For a model that
 * needs none of its services — no retries (it is deterministic), no telemetry, a prompt we built
 * ourselves — streamText's fixed cost was the largest part of the agent's CPU per turn: a chain of web
 * streams every part passes through and a schema validation of the whole conversation on every call,
 * growing with the history. Errors arrive as they would through streamText: thrown by the call, or as
 * `error` parts.
 */
export async function* streamModelDirectly(
  model: LanguageModelV3,
  prompt: LanguageModelV3Prompt,
  signal: AbortSignal,
): AsyncGenerator<ModelStreamPart> {
  const { stream } = await model.doStream({ prompt, abortSignal: signal });
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value: part } = await reader.read();
      if (done) return;
      if (part.type === 'text-delta') yield { type: 'text-delta', text: part.delta };
      else if (part.type === 'error') yield { type: 'error', error: part.error };
      else if (part.type === 'finish') {
        const inputTokens = part.usage.inputTokens.total;
        const outputTokens = part.usage.outputTokens.total;
        const usage: CallUsage = {};
        if (inputTokens !== undefined) usage.inputTokens = inputTokens;
        if (outputTokens !== undefined) usage.outputTokens = outputTokens;
        if (inputTokens !== undefined || outputTokens !== undefined)
          usage.totalTokens = (inputTokens ?? 0) + (outputTokens ?? 0);
        yield { type: 'finish-step', usage };
      }
    }
  } finally {
    reader.releaseLock();
  }
}
