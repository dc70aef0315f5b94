import type { LanguageModelV3Prompt } from '@ai-sdk/provider';

import { promptToTranscript } from './builtin/prompt-to-transcript.js';
import type { TranscriptMessage } from './builtin/answer-from-transcript.js';

/** Tokens counted for each message's role and framing, on top of its text (OpenAI charges 3–4). */
const tokensPerMessage = 4;

/**
 * Estimates the tokens of a text as ceil(characters / 4), characters being UTF-16 code units; the
 * built-in model and the fake OpenAI server report usage and detect overflow with it (docs/models.md).
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Estimates the tokens of a whole conversation: each message's text plus 4 tokens of framing. */
export function estimateTranscriptTokens(messages: readonly TranscriptMessage[]): number {
  let total = 0;
  for (const message of messages) total += tokensPerMessage + estimateTokens(message.content);
  return total;
}

/** Estimates the tokens of an AI SDK prompt the same way the fake server estimates a wire request. */
export function estimatePromptTokens(prompt: LanguageModelV3Prompt): number {
  return estimateTranscriptTokens(promptToTranscript(prompt));
}
