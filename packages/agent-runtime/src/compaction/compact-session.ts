import { randomUUID } from 'node:crypto';
import { MeshError, isMeshError, type Logger } from '@agent-mesh/shared';
import { generateText, type LanguageModel } from 'ai';
import { estimateTokens } from '../models/estimate-tokens.js';
import { builtinSummaryInstruction } from '../models/builtin/answer-from-transcript.js';
import { isFailedReply } from '../runner/reply-content.js';
import type {
  CompactionAction,
  SessionEvent,
  SessionKey,
  SessionService,
} from '../sessions/session-service.js';
import {
  buildSummaryRequest,
  clipTranscript,
  generalSummaryInstruction,
  renderTranscript,
} from './build-summary-prompt.js';
import { isContextOverflowError } from './is-context-overflow-error.js';
import {
  selectTurnsToCompact,
  type NothingToCompactReason,
  type Turn,
} from './select-turns-to-compact.js';
import type { SessionLock } from './session-lock.js';

/** What triggered a compaction: a provider's overflow error, or the user's "Compress conversation". */
export type CompactionReason = 'overflow' | 'manual';

/** What compactSession needs. */
export interface CompactSessionOptions {
  sessions: SessionService;
  key: SessionKey;
  /** The model that writes the summary: `auto_summarization.model` when set, else the agent's model. */
  model: LanguageModel;
  /** `auto_summarization.compaction_percentage`: the share of uncompacted turns to compact (0.0–1.0). */
  percentage: number;
  reason: CompactionReason;
  lock: SessionLock;
  logger?: Logger;
  /**
   * The session's `compactionSeq` the caller built its (failed) prompt from. When the session moved on
   * while the caller waited for the lock — another process compacted it — nothing is compacted and the
   * result says `already-compacted`, so simultaneous overflows produce exactly one compaction. Default:
   * read just before taking the lock.
   */
  expectedCompactionSeq?: number | null;
  /** The agent's instruction, counted in the token estimates (it is part of every prompt). */
  instruction?: string;
  /** Provider-reported input tokens of the failed call, used as tokensBefore instead of the estimate. */
  tokensBefore?: number;
  /** invocationId of the compaction event (default `compaction-<uuid>`). */
  invocationId?: string;
  /** Retries of the summarisation call inside the AI SDK (default 2). */
  maxRetries?: number;
  abortSignal?: AbortSignal;
}

/** What a compaction did, or why it did nothing. */
export type CompactionResult =
  | {
      status: 'compacted';
      turnsCompacted: number;
      turnsKept: number;
      /** Estimated prompt tokens of the conversation before and after (summary plus remaining turns). */
      tokensBefore: number;
      tokensAfter: number;
      summary: string;
      /** seq of the compaction event just appended. */
      eventSeq: number;
      startSeq: number;
      endSeq: number;
      /** `provider/model` that wrote the summary. */
      model: string;
    }
  | {
      status: 'nothing-to-compact';
      reason: NothingToCompactReason;
      /** A sentence for the user. */
      message: string;
      turnsTotal: number;
      /** Estimated prompt tokens of what is left: the newest turn (plus summary and instruction). */
      tokensBefore: number;
    }
  | {
      status: 'already-compacted';
      /** The compaction another caller appended while this one waited for the lock. */
      compactionSeq: number | null;
      message: string;
    };

/** The compaction record stored in `actions.compaction`, as compactSession writes it. */
export interface StoredCompaction extends CompactionAction {
  turnsCompacted: number;
  turnsKept: number;
  tokensBefore: number;
  tokensAfter: number;
  reason: CompactionReason;
  model: string;
  /**
   * How many compactions the session has had, this one included: the previous summary's count plus one,
   * so context usage can report it without reading the whole history.
   */
  compactionCount: number;
}

/**
 * Compacts one session (design §6): under the session's lock, loads the live window, picks the oldest
 * `percentage` of its turns, has the model summarise them together with the previous summary, and appends
 * an append-only compaction event (`author: 'system'`, `actions.compaction`) covering them — the original
 * events stay stored, so the compaction can be shown, audited and undone. The next turn's prompt is the
 * instruction, this summary and the remaining turns.
 */
export async function compactSession(options: CompactSessionOptions): Promise<CompactionResult> {
  const { sessions, key, lock } = options;
  const expected =
    options.expectedCompactionSeq !== undefined
      ? options.expectedCompactionSeq
      : (await requireSession(sessions, key)).compactionSeq;

  return lock.withLock(key, async () => {
    const context = await sessions.loadForTurn(key);
    if (context === null) throw sessionNotFound(key);
    if (context.session.compactionSeq !== expected) {
      options.logger?.info(
        { ...key, expected, found: context.session.compactionSeq },
        'Session was compacted while waiting for the lock; not compacting again',
      );
      return {
        status: 'already-compacted',
        compactionSeq: context.session.compactionSeq,
        message: 'The conversation was compacted by another request just now.',
      };
    }
    const previous = context.summary?.actions.compaction ?? null;
    const previousSummary = previous?.summary ?? null;
    const selection = selectTurnsToCompact(context.events, options.percentage, previous);
    const estimatedBefore = estimateWindow(options.instruction, previousSummary, context.events);
    const tokensBefore = options.tokensBefore ?? estimatedBefore;
    if (selection.kind === 'nothing') {
      return {
        status: 'nothing-to-compact',
        reason: selection.reason,
        message: selection.message,
        turnsTotal: selection.turnsTotal,
        tokensBefore,
      };
    }

    const label = modelLabel(options.model);
    const written = await summarise(options, previousSummary, selection.compacted);
    const compacted = selection.compacted.slice(0, written.turns);
    const kept = [...selection.compacted.slice(written.turns), ...selection.kept];
    const endSeq = compacted.at(-1)?.endSeq ?? selection.endSeq;
    const keptEvents = kept.flatMap((turn) => turn.events);
    const tokensAfter = estimateWindow(options.instruction, written.summary, keptEvents);
    const compaction: StoredCompaction = {
      summary: written.summary,
      startSeq: selection.startSeq,
      endSeq,
      turnsCompacted: compacted.length,
      turnsKept: kept.length,
      tokensBefore,
      tokensAfter,
      reason: options.reason,
      model: label,
      compactionCount: nextCompactionCount(previous),
    };
    const event = await sessions.appendEvent(key, {
      invocationId: options.invocationId ?? `compaction-${randomUUID()}`,
      author: 'system',
      actions: { compaction },
      usage: { ...written.usage, model: label },
    });
    options.logger?.info(
      {
        ...key,
        reason: options.reason,
        turnsCompacted: compaction.turnsCompacted,
        turnsKept: compaction.turnsKept,
        startSeq: compaction.startSeq,
        endSeq: compaction.endSeq,
        tokensBefore,
        tokensAfter,
        eventSeq: event.seq,
      },
      'Session compacted',
    );
    return {
      status: 'compacted',
      turnsCompacted: compaction.turnsCompacted,
      turnsKept: compaction.turnsKept,
      tokensBefore,
      tokensAfter,
      summary: written.summary,
      eventSeq: event.seq,
      startSeq: compaction.startSeq,
      endSeq,
      model: label,
    };
  });
}

interface WrittenSummary {
  summary: string;
  /** How many of the selected turns the summary covers (fewer when the summariser's window is small). */
  turns: number;
  usage: { inputTokens?: number; outputTokens?: number; totalTokens?: number };
}

/**
 * Calls the model. When the request itself overflows the summariser's window, it summarises half as many
 * turns (the rest stay live), and with one turn left it clips that turn's transcript once before giving up.
 */
async function summarise(
  options: CompactSessionOptions,
  previousSummary: string | null,
  selected: readonly Turn[],
): Promise<WrittenSummary> {
  const instruction = isBuiltinModel(options.model)
    ? builtinSummaryInstruction
    : generalSummaryInstruction;
  let turns = selected.length;
  let clipTo: number | undefined;
  for (;;) {
    let transcript = renderTranscript(selected.slice(0, turns), options.key.appName);
    if (clipTo !== undefined) transcript = clipTranscript(transcript, clipTo);
    const request = buildSummaryRequest(previousSummary, transcript);
    try {
      const result = await generateText({
        model: options.model,
        system: instruction,
        messages: [{ role: 'user', content: request }],
        maxRetries: options.maxRetries ?? 2,
        ...(options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal }),
      });
      const summary = result.text.trim();
      if (summary === '') {
        throw new MeshError(
          'LLM_CALL_FAILED',
          `The model ${modelLabel(options.model)} returned an empty summary; nothing was compacted.`,
          { model: modelLabel(options.model) },
        );
      }
      return { summary, turns, usage: usageOf(result.usage) };
    } catch (error) {
      if (isMeshError(error)) throw error;
      const overflow = isContextOverflowError(error);
      if (overflow === null) throw summaryFailed(options.model, error);
      if (turns > 1) {
        turns = Math.ceil(turns / 2);
      } else if (clipTo === undefined) {
        const fixed = estimateTokens(instruction) + estimateTokens(previousSummary ?? '') + 64;
        const limit = overflow.limit ?? Math.floor(estimateTokens(request) / 2);
        clipTo = Math.max(0, Math.floor((limit * 0.75 - fixed) * 4));
      } else {
        throw new MeshError(
          'CONTEXT_OVERFLOW',
          `The model ${modelLabel(options.model)} cannot summarise even one turn of this conversation: ` +
            'its context window is too small for the earlier summary plus that turn. Use a model with a larger ' +
            'context window for auto_summarization.model.',
          { model: modelLabel(options.model), ...pickNumbers(overflow) },
          { cause: error },
        );
      }
      options.logger?.warn(
        { ...options.key, turns, clipTo, source: overflow.source },
        'The summarisation request overflowed; retrying with less',
      );
    }
  }
}

/**
 * Estimates the prompt tokens of a conversation window the way the models module does (characters / 4,
 * plus 4 per message): the instruction and summary as system text, then each event with text that a
 * prompt carries (failure notices are left out, as buildPrompt leaves them out).
 */
export function estimateWindow(
  instruction: string | undefined,
  summary: string | null,
  events: readonly SessionEvent[],
): number {
  const perMessage = 4;
  let total = 0;
  const system = [instruction ?? '', summary ?? '']
    .filter((text) => text.trim() !== '')
    .join('\n\n');
  if (system !== '') total += perMessage + estimateTokens(system);
  for (const event of events) {
    if (event.content === null || event.actions.compaction !== undefined || isFailedReply(event))
      continue;
    const text = event.content.parts
      .map((part) => {
        switch (part.type) {
          case 'text':
            return part.text;
          case 'tool-call':
            return JSON.stringify(part.input ?? {});
          case 'tool-result':
            return typeof part.output === 'string'
              ? part.output
              : JSON.stringify(part.output ?? null);
          case 'data':
            return '';
        }
      })
      .join('');
    if (text !== '') total += perMessage + estimateTokens(text);
  }
  return total;
}

/**
 * The count a new compaction event stores: one more than the previous summary's. A previous compaction
 * written without a count (none does today) counts as one, so the figure never goes backwards.
 */
function nextCompactionCount(previous: CompactionAction | null): number {
  if (previous === null) return 1;
  const count = previous.compactionCount;
  return (typeof count === 'number' && Number.isInteger(count) && count > 0 ? count : 1) + 1;
}

/** `provider/modelId` of an AI SDK model (a gateway model id string is used as is). */
export function modelLabel(model: LanguageModel): string {
  if (typeof model === 'string') return model;
  return `${model.provider}/${model.modelId}`;
}

/** Tells whether a model is the offline built-in one, which answers summary requests in its own way. */
export function isBuiltinModel(model: LanguageModel): boolean {
  return typeof model !== 'string' && model.provider === 'builtin';
}

function usageOf(usage: {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}): WrittenSummary['usage'] {
  const result: WrittenSummary['usage'] = {};
  if (usage.inputTokens !== undefined) result.inputTokens = usage.inputTokens;
  if (usage.outputTokens !== undefined) result.outputTokens = usage.outputTokens;
  if (usage.totalTokens !== undefined) result.totalTokens = usage.totalTokens;
  return result;
}

function pickNumbers(overflow: { limit?: number; requested?: number }): Record<string, number> {
  const numbers: Record<string, number> = {};
  if (overflow.limit !== undefined) numbers.limit = overflow.limit;
  if (overflow.requested !== undefined) numbers.requested = overflow.requested;
  return numbers;
}

function summaryFailed(model: LanguageModel, error: unknown): MeshError {
  const reason = error instanceof Error ? error.message : String(error);
  return new MeshError(
    'LLM_CALL_FAILED',
    `Summarising the conversation with ${modelLabel(model)} failed: ${reason}. Nothing was compacted.`,
    { model: modelLabel(model) },
    { cause: error },
  );
}

async function requireSession(
  sessions: SessionService,
  key: SessionKey,
): Promise<{ compactionSeq: number | null }> {
  const session = await sessions.getSession(key);
  if (session === null) throw sessionNotFound(key);
  return session;
}

function sessionNotFound(key: SessionKey): MeshError {
  return new MeshError(
    'SESSION_NOT_FOUND',
    `Session "${key.sessionId}" of user "${key.userId}" does not exist for agent "${key.appName}"; there is nothing to compact.`,
    { appName: key.appName, userId: key.userId, sessionId: key.sessionId },
  );
}
