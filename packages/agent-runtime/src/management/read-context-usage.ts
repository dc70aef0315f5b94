import type { CompactionInfo } from '@agent-mesh/shared';
import { estimateWindow } from '../compaction/compact-session.js';
import { replyDataOf } from '../runner/reply-content.js';
import type {
  CompactionAction,
  SessionEvent,
  SessionKey,
  SessionService,
} from '../sessions/session-service.js';

/** What readContextUsage needs besides the session. */
export interface ReadContextUsageOptions {
  sessions: SessionService;
  key: SessionKey;
  /** The agent's instruction: part of every prompt, so part of every estimate. */
  instruction: string;
  /** The agent model's context window, or null when it is unknown. */
  contextWindow: number | null;
}

/** How full the agent's context is for one session; null fields mean "unknown", never a guess. */
export interface ContextUsage {
  inputTokens: number | null;
  estimated: boolean;
  contextWindow: number | null;
  percent: number | null;
  compactions: number;
  lastCompaction?: CompactionInfo;
}

/** How many events one page of the compaction count fallback reads. */
const countPageSize = 1000;

/**
 * Reads a session's context usage from the agent's own events, loading only the live window: the input
 * tokens the provider reported for this agent's newest model call, or — when a compaction or a turn
 * delegated to a peer came after that call, so the figure no longer describes the prompt — the estimate
 * of the prompt the agent would send now (`estimated: true`). A delegated turn never reports the peer's
 * numbers: this is the agent's own context. Null when the session does not exist.
 */
export async function readContextUsage(
  options: ReadContextUsageOptions,
): Promise<ContextUsage | null> {
  const { sessions, key, contextWindow } = options;
  const context = await sessions.loadForTurn(key);
  if (context === null) return null;
  const compaction = context.summary?.actions.compaction ?? null;
  const reported = newestReportedCall(context.events, key.appName, context.session.compactionSeq);
  let inputTokens: number | null = null;
  let estimated = false;
  if (reported !== undefined && !reported.outdated) {
    inputTokens = reported.inputTokens;
  } else if (context.events.length > 0 || compaction !== null) {
    inputTokens = estimateWindow(options.instruction, compaction?.summary ?? null, context.events);
    estimated = true;
  }
  const percent =
    inputTokens === null || contextWindow === null || contextWindow <= 0
      ? null
      : Math.round((inputTokens / contextWindow) * 1000) / 10;
  const usage: ContextUsage = {
    inputTokens,
    estimated,
    contextWindow,
    percent,
    compactions: compaction === null ? 0 : await countCompactions(sessions, key, compaction),
  };
  if (context.summary !== null && compaction !== null) {
    usage.lastCompaction = describeCompaction(context.summary, compaction);
  }
  return usage;
}

interface ReportedCall {
  inputTokens: number;
  /** A compaction or a delegated reply came after the call: its figure no longer describes the prompt. */
  outdated: boolean;
}

/**
 * Finds the input tokens of the agent's newest model call in the live window: on its newest reply that
 * carries provider usage. A compaction event is not in `events` (the live window starts after the range
 * the newest summary covers), so a call is outdated when the compaction's seq is above the reply's.
 */
function newestReportedCall(
  events: readonly SessionEvent[],
  appName: string,
  compactionSeq: number | null,
): ReportedCall | undefined {
  let delegatedLater = false;
  for (let index = events.length - 1; index >= 0; index -= 1) {
    const event = events[index];
    if (event === undefined || event.author === 'user') continue;
    const data = replyDataOf(event);
    if (data === undefined) continue;
    if (data.delegatedTo !== undefined || event.author !== appName) {
      delegatedLater = true;
      continue;
    }
    const inputTokens = lastCallInputTokens(event.usage);
    if (inputTokens === undefined) continue;
    const compactedLater = compactionSeq !== null && compactionSeq > event.seq;
    return { inputTokens, outdated: delegatedLater || compactedLater };
  }
  return undefined;
}

/** The input tokens of the last call stored on a reply (a turn's calls in order), else the turn's sum. */
function lastCallInputTokens(usage: SessionEvent['usage']): number | undefined {
  if (usage === null) return undefined;
  const calls = usage.calls;
  if (Array.isArray(calls)) {
    for (let index = calls.length - 1; index >= 0; index -= 1) {
      const value = (calls[index] as { inputTokens?: unknown } | undefined)?.inputTokens;
      if (typeof value === 'number') return value;
    }
    return undefined;
  }
  return typeof usage.inputTokens === 'number' ? usage.inputTokens : undefined;
}

/**
 * The count of compaction events: stored on each compaction event (compactionCount), so this reads
 * nothing more; a compaction written without it is counted by paging the history once.
 */
async function countCompactions(
  sessions: SessionService,
  key: SessionKey,
  compaction: CompactionAction,
): Promise<number> {
  const stored = compaction.compactionCount;
  if (typeof stored === 'number' && Number.isInteger(stored) && stored > 0) return stored;
  let count = 0;
  let afterSeq: number | null = 0;
  while (afterSeq !== null) {
    const page = await sessions.listEvents(key, { afterSeq, limit: countPageSize });
    count += page.events.filter((event) => event.actions.compaction !== undefined).length;
    afterSeq = page.nextAfterSeq;
  }
  return count;
}

function numberOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** The stored compaction as the management API shows it. */
export function describeCompaction(
  event: SessionEvent,
  compaction: CompactionAction,
): CompactionInfo {
  return {
    seq: event.seq,
    at: event.timestamp.toISOString(),
    reason: compaction.reason === 'manual' ? 'manual' : 'overflow',
    turnsCompacted: numberOf(compaction.turnsCompacted),
    turnsKept: numberOf(compaction.turnsKept),
    tokensBefore: numberOf(compaction.tokensBefore),
    tokensAfter: numberOf(compaction.tokensAfter),
    startSeq: compaction.startSeq,
    endSeq: compaction.endSeq,
    model: typeof compaction.model === 'string' ? compaction.model : 'unknown',
    summary: compaction.summary,
  };
}
