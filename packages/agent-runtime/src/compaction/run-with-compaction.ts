import { MeshError, type Logger } from '@agent-mesh/shared';
import type { CompactionResult } from './compact-session.js';
import { isContextOverflowError, type OverflowInfo } from './is-context-overflow-error.js';

/** At most this many compactions for one turn (design §6: "a retry (at most 3)"). */
export const defaultMaxCompactions = 3;

/** What runWithCompaction needs. */
export interface RunWithCompactionOptions<T> {
  /**
   * One model call for the turn: reload the turn context and rebuild the prompt each time (the user
   * message is already stored, once, before the first attempt — an attempt must never store it again).
   */
  attempt: (context: { attempt: number }) => Promise<T>;
  /** Compacts the session after an overflow (usually compactSession with reason 'overflow'). */
  compact: (context: { overflow: OverflowInfo; compactions: number }) => Promise<CompactionResult>;
  /** Default 3. */
  maxCompactions?: number;
  /** The model's context window, for the message when the provider's error did not say it. */
  contextWindow?: number;
  logger?: Logger;
}

/**
 * Runs a model call and, when it fails with a context overflow, compacts the session and tries again —
 * at most `maxCompactions` times per turn. When nothing is left to compact (only the newest turn) it
 * throws MeshError CONTEXT_OVERFLOW telling the user, with the numbers, that their latest message alone
 * does not fit; any other error is rethrown unchanged.
 */
export async function runWithCompaction<T>(options: RunWithCompactionOptions<T>): Promise<T> {
  const maxCompactions = options.maxCompactions ?? defaultMaxCompactions;
  let compactions = 0;
  for (let attempt = 1; ; attempt += 1) {
    let overflow: OverflowInfo | null;
    try {
      return await options.attempt({ attempt });
    } catch (error) {
      overflow = isContextOverflowError(error);
      if (overflow === null) throw error;
      if (compactions >= maxCompactions)
        throw stillTooLong(overflow, compactions, options.contextWindow, error);
    }
    compactions += 1;
    const result = await options.compact({ overflow, compactions });
    options.logger?.info(
      {
        attempt,
        compactions,
        status: result.status,
        limit: overflow.limit,
        requested: overflow.requested,
      },
      'Context overflow: compacted the session before retrying',
    );
    if (result.status === 'nothing-to-compact') {
      throw newestTurnTooLong(overflow, result.tokensBefore, options.contextWindow);
    }
  }
}

/**
 * The CONTEXT_OVERFLOW error for a turn whose newest message alone does not fit: the provider's numbers
 * when it gave them, else the estimate of what is left and the configured context window.
 */
export function newestTurnTooLong(
  overflow: OverflowInfo,
  estimatedTokens: number,
  contextWindow?: number,
): MeshError {
  const requested = overflow.requested ?? estimatedTokens;
  const limit = overflow.limit ?? contextWindow;
  const needs = `Your latest message alone needs about ${requested} tokens`;
  const message =
    limit === undefined
      ? `${needs}, which is more than the model's context window. Shorten the message or use a model with a larger context window.`
      : `${needs}, but the model's context window is ${limit} tokens. Shorten the message or use a model with a larger context window.`;
  return new MeshError('CONTEXT_OVERFLOW', message, {
    requested,
    ...(limit === undefined ? {} : { limit }),
    source: overflow.source,
  });
}

function stillTooLong(
  overflow: OverflowInfo,
  compactions: number,
  contextWindow: number | undefined,
  cause: unknown,
): MeshError {
  const limit = overflow.limit ?? contextWindow;
  const window =
    limit === undefined
      ? "the model's context window"
      : `the model's context window of ${limit} tokens`;
  const size = overflow.requested === undefined ? '' : ` (about ${overflow.requested} tokens)`;
  return new MeshError(
    'CONTEXT_OVERFLOW',
    `The conversation still does not fit ${window}${size} after ${compactions} compactions. ` +
      'Compress the conversation again, start a new one, or use a model with a larger context window.',
    {
      compactions,
      source: overflow.source,
      ...(limit === undefined ? {} : { limit }),
      ...(overflow.requested === undefined ? {} : { requested: overflow.requested }),
    },
    { cause },
  );
}
