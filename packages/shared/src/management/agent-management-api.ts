/**
 * The agent management API (docs/api.md, "Agent management API"): JSON endpoints every agent serves under
 * `/mesh/v1` beside A2A, so the gateway can compress a conversation, show its context usage and delete
 * it. Both sides name paths and shapes from here; they still meet only on the wire.
 */
import type { SessionBehavior } from '../config/agent-config.js';

/** Where the management API lives below an agent's base URL; the agent card repeats it (`management`). */
export const agentManagementBasePath = '/mesh/v1';

/** The management endpoints, relative to agentManagementBasePath. */
export const agentManagementPaths = {
  /** `POST` a CompactSessionRequest, answered with a CompactSessionResponse. */
  compact: '/sessions/compact',
  /** `GET ?sessionId&userId[&sessionBehavior]`, answered with a ContextUsageResponse. */
  contextUsage: '/sessions/context-usage',
  /** `DELETE ?sessionId&userId`: 204, or 404 when the agent has nothing stored for it. */
  session: '/sessions',
} as const;

/** Body of `POST /mesh/v1/sessions/compact`. */
export interface CompactSessionRequest {
  /** The gateway's session id, i.e. the A2A contextId (`web-session-<uuid>`). */
  sessionId: string;
  userId: string;
  /** Share of the uncompacted turns to compact, 0.0–1.0; default the agent's compaction_percentage. */
  percentage?: number;
  /** Overrides the agent's session_service.default_behavior, as message metadata does. */
  sessionBehavior?: SessionBehavior;
}

/** What a manual compaction did: compacted now, nothing to do, or another request had just compacted. */
export type CompactSessionStatus = 'compacted' | 'nothing-to-compact' | 'already-compacted';

/** One compaction as stored in the agent's session (the newest one, in context usage). */
export interface CompactionInfo {
  /** seq of the compaction event in the agent's session. */
  seq: number;
  /** When it was written (ISO 8601). */
  at: string;
  reason: 'overflow' | 'manual';
  turnsCompacted: number;
  turnsKept: number;
  /** Estimated prompt tokens before and after (summary plus the remaining turns). */
  tokensBefore: number;
  tokensAfter: number;
  /** The inclusive seq range of events the summary replaces in a prompt. */
  startSeq: number;
  endSeq: number;
  /** `provider/model` that wrote the summary. */
  model: string;
  summary: string;
}

/** Answer of `POST /mesh/v1/sessions/compact`. */
export interface CompactSessionResponse {
  status: CompactSessionStatus;
  /**
   * Turns the summary replaced: by this request (`compacted`), by the request that just compacted
   * (`already-compacted`), or 0 (`nothing-to-compact`).
   */
  turnsCompacted: number;
  /** Estimated prompt tokens before and after; equal when nothing was compacted. */
  tokensBefore: number;
  tokensAfter: number;
  /** The newest summary of the conversation, or null when it was never compacted. */
  summary: string | null;
  /** A sentence for the user when nothing was compacted by this request. */
  message?: string;
  /** The percentage applied (the request's, else the agent's configured one). */
  percentage: number;
  /** seq of the newest compaction event, or null when there is none. */
  compactionSeq: number | null;
}

/** Answer of `GET /mesh/v1/sessions/context-usage`. */
export interface ContextUsageResponse {
  sessionId: string;
  userId: string;
  sessionBehavior: SessionBehavior;
  /** The agent's own model, `provider/name`. */
  model: string;
  /**
   * Input tokens of this agent's last model call as the provider reported them; after a later compaction
   * (or a turn delegated to a peer) the estimate of this agent's prompt now, with `estimated: true`;
   * null when there is nothing to count.
   */
  inputTokens: number | null;
  estimated: boolean;
  /** model.context_window, else the published window of a well-known model, else null (never a guess). */
  contextWindow: number | null;
  /** inputTokens as a percentage of contextWindow (one decimal), null when either is unknown. */
  percent: number | null;
  /** How many compaction events the session has. */
  compactions: number;
  /** The agent's auto_summarization.compaction_percentage: the share a manual compaction summarises. */
  compactionPercentage?: number;
  lastCompaction?: CompactionInfo;
  /** Present when the figures cannot describe a conversation (RUN_BASED sessions). */
  message?: string;
}
