import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3StreamResult,
  LanguageModelV3Usage,
  SharedV3Warning,
} from '@ai-sdk/provider';

import { estimateTokens, estimateTranscriptTokens } from '../estimate-tokens.js';
import { abortableDelay } from './abortable-delay.js';
import { answerFromTranscript } from './answer-from-transcript.js';
import {
  createContextLengthExceededError,
  exceedsContextWindow,
} from './context-length-exceeded.js';
import { promptToTranscript } from './prompt-to-transcript.js';

/** Settings of the built-in model, taken from the YAML `model` object. */
export interface BuiltinRecallModelOptions {
  /** Tokens the prompt plus the requested completion may use; unlimited when absent. */
  contextWindow?: number;
  /** Completion budget counted against the window when a call does not pass its own. */
  maxOutputTokens?: number;
  /** Pause between streamed words, in milliseconds (default 0). */
  delayMs?: number;
}

/** The text part id the model streams its single answer under. */
const textId = 'text-0';

/**
 * The offline `builtin/recall` model: a real AI SDK `LanguageModelV3` that answers deterministically
 * from its prompt alone (see answerFromTranscript), streams word by word, reports estimated usage and
 * overflows with OpenAI's `context_length_exceeded` error, so memory and compaction are testable offline.
 */
export class BuiltinRecallModel implements LanguageModelV3 {
  readonly specificationVersion = 'v3';
  readonly provider = 'builtin';
  readonly modelId = 'recall';
  readonly supportedUrls: Record<string, RegExp[]> = {};

  readonly #options: BuiltinRecallModelOptions;

  constructor(options: BuiltinRecallModelOptions = {}) {
    this.#options = { ...options };
  }

  /** Answers in one piece; throws the overflow error when the prompt does not fit. */
  doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
    try {
      options.abortSignal?.throwIfAborted();
      const { answer, usage, warnings } = this.#answer(options);
      return Promise.resolve({
        content: [{ type: 'text', text: answer }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage,
        warnings,
        response: { modelId: this.modelId },
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Streams the answer word by word, pausing `delayMs` between words and stopping when aborted. */
  doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
    try {
      options.abortSignal?.throwIfAborted();
      const { answer, usage, warnings } = this.#answer(options);
      const words = answer.match(/\S+\s*/g) ?? [];
      const parts: LanguageModelV3StreamPart[] = [
        { type: 'stream-start', warnings },
        { type: 'response-metadata', modelId: this.modelId },
        { type: 'text-start', id: textId },
        ...words.map((word): LanguageModelV3StreamPart => ({
          type: 'text-delta',
          id: textId,
          delta: word,
        })),
        { type: 'text-end', id: textId },
        { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
      ];
      const delayMs = this.#options.delayMs ?? 0;
      const signal = options.abortSignal;
      let next = 0;
      let wordsSent = 0;
      const stream = new ReadableStream<LanguageModelV3StreamPart>({
        async pull(controller) {
          const part = parts[next++];
          if (part === undefined) {
            controller.close();
            return;
          }
          try {
            if (part.type === 'text-delta' && wordsSent++ > 0 && delayMs > 0) {
              await abortableDelay(delayMs, signal);
            }
            signal?.throwIfAborted();
          } catch (error) {
            controller.error(error);
            return;
          }
          controller.enqueue(part);
        },
      });
      return Promise.resolve({ stream, request: { body: { model: this.modelId } } });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #answer(options: LanguageModelV3CallOptions): {
    answer: string;
    usage: LanguageModelV3Usage;
    warnings: SharedV3Warning[];
  } {
    const transcript = promptToTranscript(options.prompt);
    const promptTokens = estimateTranscriptTokens(transcript);
    const contextWindow = this.#options.contextWindow;
    const completionTokens = options.maxOutputTokens ?? this.#options.maxOutputTokens;
    if (contextWindow !== undefined) {
      const sizes = { contextWindow, promptTokens, completionTokens };
      if (exceedsContextWindow(sizes)) {
        throw createContextLengthExceededError(sizes, {
          url: 'builtin:recall',
          requestBodyValues: { model: this.modelId, messages: transcript.length, promptTokens },
        });
      }
    }
    const answer = answerFromTranscript(transcript);
    const outputTokens = estimateTokens(answer);
    // Tools offered to it are ignored without a warning: the SDK would print one on every call.
    const warnings: SharedV3Warning[] = [];
    return {
      answer,
      warnings,
      usage: {
        inputTokens: {
          total: promptTokens,
          noCache: promptTokens,
          cacheRead: undefined,
          cacheWrite: undefined,
        },
        outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
        raw: {
          prompt_tokens: promptTokens,
          completion_tokens: outputTokens,
          total_tokens: promptTokens + outputTokens,
        },
      },
    };
  }
}
