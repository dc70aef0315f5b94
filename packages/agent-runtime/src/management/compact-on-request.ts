import type { CompactSessionResponse, Logger } from '@agent-mesh/shared';
import type { LanguageModel } from 'ai';
import { compactSession } from '../compaction/compact-session.js';
import type { SessionLock } from '../compaction/session-lock.js';
import type { SessionKey, SessionService } from '../sessions/session-service.js';

/** What compactOnRequest needs: the session, the agent's summariser and the percentage to apply. */
export interface CompactOnRequestOptions {
  sessions: SessionService;
  key: SessionKey;
  /** `auto_summarization.model` when set, else the agent's model. */
  model: LanguageModel;
  /** The request's percentage, else `auto_summarization.compaction_percentage`. */
  percentage: number;
  /** The same lock the agent's turns compact under, so manual and automatic never overlap. */
  lock: SessionLock;
  instruction: string;
  logger?: Logger;
}

/**
 * Runs the user's "Compress conversation" (design §6): the same algorithm and lock as an overflow, with
 * reason `manual`, and answers in the management API's shape. When another request compacted the
 * session while this one waited for the lock, it compacts nothing and reports that compaction instead,
 * so two simultaneous clicks (or two replicas) produce one compaction. Throws SESSION_NOT_FOUND when the
 * session does not exist, LLM_CALL_FAILED when the summariser fails (nothing is stored then).
 */
export async function compactOnRequest(
  options: CompactOnRequestOptions,
): Promise<CompactSessionResponse> {
  const { sessions, key, percentage } = options;
  const result = await compactSession({
    sessions,
    key,
    model: options.model,
    percentage,
    reason: 'manual',
    lock: options.lock,
    instruction: options.instruction,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  switch (result.status) {
    case 'compacted':
      return {
        status: 'compacted',
        turnsCompacted: result.turnsCompacted,
        tokensBefore: result.tokensBefore,
        tokensAfter: result.tokensAfter,
        summary: result.summary,
        percentage,
        compactionSeq: result.eventSeq,
      };
    case 'nothing-to-compact': {
      const context = await sessions.loadForTurn(key);
      return {
        status: 'nothing-to-compact',
        turnsCompacted: 0,
        tokensBefore: result.tokensBefore,
        tokensAfter: result.tokensBefore,
        summary: context?.summary?.actions.compaction?.summary ?? null,
        message: result.message,
        percentage,
        compactionSeq: context?.session.compactionSeq ?? null,
      };
    }
    case 'already-compacted': {
      const context = await sessions.loadForTurn(key);
      const compaction = context?.summary?.actions.compaction;
      return {
        status: 'already-compacted',
        turnsCompacted: numberOf(compaction?.turnsCompacted),
        tokensBefore: numberOf(compaction?.tokensBefore),
        tokensAfter: numberOf(compaction?.tokensAfter),
        summary: compaction?.summary ?? null,
        message: result.message,
        percentage,
        compactionSeq: result.compactionSeq,
      };
    }
  }
}

function numberOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
