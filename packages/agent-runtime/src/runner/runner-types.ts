import type { LanguageModel } from 'ai';
import type { Logger, MeshError, MeshErrorJson, SessionBehavior } from '@agent-mesh/shared';
import type { SessionKey, SessionService, TurnContext } from '../sessions/session-service.js';
import type { TurnUsage } from './turn-usage.js';

/** Why a turn was stopped from outside: `canceled` by tasks/cancel, `interrupted` by a shutdown. */
export type TurnStopReason = 'canceled' | 'interrupted';

/** How a turn ended. */
export type TurnStatus = 'completed' | TurnStopReason | 'failed';

/** One user message to answer, as the A2A layer (or a test) hands it to the runner. */
export interface TurnRequest {
  contextId: string;
  taskId: string;
  /** A2A messageId: a message re-sent with the same id is stored once. */
  messageId: string;
  /** The user's text (the text parts of the message, joined). */
  text: string;
  /** Message metadata: `userId`, `sessionBehavior` (PERSISTENT | RUN_BASED). */
  metadata?: Record<string, unknown> | undefined;
  /** Abort with reason `'canceled'` or `'interrupted'` (see TurnStopReason) to stop the turn. */
  signal?: AbortSignal;
}

/** Receives a turn's reply as it is produced. */
export interface TurnSink {
  /** A piece of reply text, in order. */
  onDelta?(text: string): void;
  /** The reply so far is void (a model call is retried); what follows starts the reply afresh. */
  onReset?(): void;
  /** The session the turn runs in is known (before the model is called). */
  onSession?(info: { sessionId: string; userId: string; behavior: SessionBehavior }): void;
}

/** What a finished turn reports, whatever its status; the A2A layer turns it into the final task status. */
export interface TurnResult {
  status: TurnStatus;
  /** The reply text (partial when canceled or interrupted, empty when failed before any output). */
  text: string;
  appName: string;
  userId: string;
  sessionId: string;
  behavior: SessionBehavior;
  /** `provider/name` of the model that answered, or `peer:<name>` for a delegated turn. */
  model: string;
  /** Context window of the model in tokens, when known. */
  contextWindow: number | null;
  usage: TurnUsage;
  /** Set when status is `failed`. */
  error?: MeshErrorJson;
  /** True when the message had been answered before and the stored reply was sent again. */
  replayed: boolean;
  /** The peer that produced the reply, for a delegated turn. */
  delegatedTo?: string;
  /** Set when the session was compacted during this turn (after a context overflow). */
  compaction?: TurnCompaction;
}

/**
 * What the compactions of one turn did, for the short note a client may show: turns summarised (summed
 * over the turn's compactions), estimated prompt tokens before the first and after the last.
 */
export interface TurnCompaction {
  turnsCompacted: number;
  tokensBefore: number;
  tokensAfter: number;
}

/** The turn the hooks see: the session key and what was loaded for it. */
export interface TurnHookInput {
  key: SessionKey;
  context: TurnContext;
  request: TurnRequest;
  signal: AbortSignal;
}

/** What `onModelError` sees: the turn, the failed call's error and attempt, and where to report a compaction. */
export interface ModelErrorHookInput extends TurnHookInput {
  error: MeshError;
  /** 1 for the turn's first model call; each retry adds one. */
  attempt: number;
  /** Tells the runner the hook compacted the session, so the turn's result (and status metadata) says so. */
  onCompacted(note: TurnCompaction): void;
}

/**
 * Seams for context management (compaction): `prepareTurn` may return a different turn context before
 * the prompt is built; `onModelError` may answer `'retry'` after fixing the cause (e.g. appending a
 * compaction event), and the runner reloads the turn and calls the model again (at most
 * `maxModelAttempts` calls per turn). A MeshError it throws becomes the turn's error; a CONTEXT_OVERFLOW
 * one is also stored as a failed reply, so the history shows why the turn got no answer.
 */
export interface RunnerHooks {
  prepareTurn?(input: TurnHookInput): Promise<TurnContext> | TurnContext;
  onModelError?(input: ModelErrorHookInput): Promise<'retry' | 'fail'> | 'retry' | 'fail';
}

/** A request to forward a user message to a peer agent. */
export interface Delegation {
  peer: string;
  text: string;
}

/** What a peer answered. */
export interface DelegationResult {
  text: string;
  usage?: TurnUsage;
  peerTaskId?: string;
  /** The peer's own model label, when it reported one. */
  model?: string;
  contextWindow?: number | null;
}

/** Forwards messages to peer agents (implemented over A2A in peers/). */
export interface PeerDelegate {
  /** Tells whether a user message asks for a peer, and which text to forward. */
  match(text: string): Promise<Delegation | undefined>;
  /**
   * Sends the text to the peer in the same context and for the same user, streaming its reply; the peer
   * applies its own default session behaviour.
   */
  call(input: {
    peer: string;
    text: string;
    contextId: string;
    userId: string;
    messageId: string;
    signal: AbortSignal;
    onDelta: (text: string) => void;
  }): Promise<DelegationResult>;
}

/** What a runner is built from. */
export interface RunnerOptions {
  /** The agent name: the session app_name. */
  appName: string;
  instruction: string;
  model: LanguageModel;
  /** For messages and task metadata. */
  modelLabel: { provider: string; name: string; baseUrl?: string };
  contextWindow?: number | undefined;
  /** Retries of a failed model call inside the AI SDK (default 2). */
  maxRetries?: number | undefined;
  sessionService: SessionService;
  defaultBehavior: SessionBehavior;
  /** Largest accepted user message in UTF-8 bytes (limits.max_message_bytes). */
  maxMessageBytes: number;
  peers?: PeerDelegate | undefined;
  hooks?: RunnerHooks | undefined;
  logger: Logger;
}
