import { MeshError, type Logger } from '@agent-mesh/shared';
import type { LanguageModel } from 'ai';
import type { SessionKey, SessionService, TurnContext } from '../sessions/session-service.js';
import { compactSession, estimateWindow } from './compact-session.js';
import { isContextOverflowError, type OverflowInfo } from './is-context-overflow-error.js';
import { defaultMaxCompactions, newestTurnTooLong } from './run-with-compaction.js';
import { splitIntoTurns } from './select-turns-to-compact.js';
import type { SessionLock } from './session-lock.js';

/** What createOverflowHandler needs: the agent's compaction settings and where sessions live. */
export interface OverflowHandlerOptions {
  sessions: SessionService;
  lock: SessionLock;
  /** The summarising model: `auto_summarization.model`, else the agent's model. */
  model: LanguageModel;
  /** `auto_summarization.compaction_percentage`. */
  percentage: number;
  /** The agent's instruction, counted in token estimates. */
  instruction?: string;
  /** The agent model's context window, for messages when the provider did not state it. */
  contextWindow?: number;
  maxCompactions?: number;
  logger?: Logger;
}

/** What the runner's `onModelError` seam hands over (a structural subset of its TurnHookInput). */
export interface ModelErrorInput {
  key: SessionKey;
  /** The context the failed prompt was built from: its compactionSeq guards against double compaction. */
  context: TurnContext;
  error: unknown;
  /** 1 for the first model call of the turn; each retry after a compaction adds one. */
  attempt: number;
  signal?: AbortSignal;
  /** Told what a compaction this handler ran did (not when another process had just compacted). */
  onCompacted?(note: { turnsCompacted: number; tokensBefore: number; tokensAfter: number }): void;
}

/**
 * Adapts compaction to the runner's `onModelError` seam: a non-overflow error answers `'fail'`; an
 * overflow compacts the session (or notices another process just did) and answers `'retry'`, so the
 * runner reloads the turn and calls the model again without storing the user message twice. Past
 * `maxCompactions`, when only the newest turn is left, or at once when the newest turn alone is larger
 * than the window (compacting the history could not help), it throws MeshError CONTEXT_OVERFLOW with
 * the numbers, which the runner reports as the turn's error.
 */
export function createOverflowHandler(
  options: OverflowHandlerOptions,
): (input: ModelErrorInput) => Promise<'retry' | 'fail'> {
  const maxCompactions = options.maxCompactions ?? defaultMaxCompactions;
  return async (input) => {
    const overflow = isContextOverflowError(input.error);
    if (overflow === null) return 'fail';
    if (input.attempt > maxCompactions) {
      throw new MeshError(
        'CONTEXT_OVERFLOW',
        `The conversation still does not fit the model's context window after ${maxCompactions} compactions. ` +
          'Compress the conversation again, start a new one, or use a model with a larger context window.',
        {
          compactions: maxCompactions,
          ...(overflow.limit === undefined ? {} : { limit: overflow.limit }),
        },
      );
    }
    const newest = newestTurnEstimate(input.context, options.instruction);
    const limit = overflow.limit ?? options.contextWindow;
    if (limit !== undefined && newest !== undefined && newest > limit) {
      // Compacting the history cannot help a message that alone is larger than the window: say so at
      // once and keep the earlier conversation as it is.
      throw newestTurnTooLong(withoutRequested(overflow), newest, options.contextWindow);
    }
    const result = await compactSession({
      sessions: options.sessions,
      key: input.key,
      model: options.model,
      percentage: options.percentage,
      reason: 'overflow',
      lock: options.lock,
      expectedCompactionSeq: input.context.session.compactionSeq,
      ...(options.instruction === undefined ? {} : { instruction: options.instruction }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(input.signal === undefined ? {} : { abortSignal: input.signal }),
    });
    if (result.status === 'nothing-to-compact') {
      throw newestTurnTooLong(overflow, result.tokensBefore, options.contextWindow);
    }
    if (result.status === 'compacted') {
      input.onCompacted?.({
        turnsCompacted: result.turnsCompacted,
        tokensBefore: result.tokensBefore,
        tokensAfter: result.tokensAfter,
      });
    }
    return 'retry';
  };
}

/** Estimated tokens of the instruction plus the newest turn of a turn context; undefined without turns. */
function newestTurnEstimate(
  context: TurnContext,
  instruction: string | undefined,
): number | undefined {
  const newest = splitIntoTurns(context.events).at(-1);
  return newest === undefined ? undefined : estimateWindow(instruction, null, newest.events);
}

/** The overflow without the provider's prompt size, which counted the whole history, not the message. */
function withoutRequested(overflow: OverflowInfo): OverflowInfo {
  const info: OverflowInfo = { source: overflow.source, message: overflow.message };
  if (overflow.limit !== undefined) info.limit = overflow.limit;
  return info;
}
