import { MeshError, type Logger } from '@agent-mesh/shared';
import type { LanguageModel } from 'ai';
import type { SessionKey, SessionService, TurnContext } from '../sessions/session-service.js';
import { compactSession } from './compact-session.js';
import { isContextOverflowError } from './is-context-overflow-error.js';
import { defaultMaxCompactions, newestTurnTooLong } from './run-with-compaction.js';
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
}

/**
 * Adapts compaction to the runner's `onModelError` seam: a non-overflow error answers `'fail'`; an
 * overflow compacts the session (or notices another process just did) and answers `'retry'`, so the
 * runner reloads the turn and calls the model again without storing the user message twice. Past
 * `maxCompactions`, or when only the newest turn is left, it throws MeshError CONTEXT_OVERFLOW with the
 * numbers, which the runner reports as the turn's error.
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
    return 'retry';
  };
}
