/**
 * The session service contract of an agent: sessions keyed by (appName, userId, sessionId) with scoped JSON
 * state and an append-only, gap-free numbered event log, modelled on ADK's SessionService. Two
 * implementations (memory and sql) pass one contract suite, so the runner never depends on which one runs.
 */

/** Identifies one session: `appName` is the agent name, so agents sharing a database stay isolated. */
export interface SessionKey {
  appName: string;
  userId: string;
  sessionId: string;
}

/**
 * A JSON object of state; keys select the scope: `app:` (every user of the agent), `user:` (every session
 * of one user of the agent), `temp:` (this invocation only, never stored) and unprefixed (this session).
 */
export type SessionState = Record<string, unknown>;

/** The key prefixes that select a state scope. */
export const statePrefixes = { app: 'app:', user: 'user:', temp: 'temp:' } as const;

/** One session as loaded: its key, the merged state of the three persisted scopes (keys keep their prefixes). */
export interface Session extends SessionKey {
  state: SessionState;
  /** seq of the newest event (0 when there is none); the next event takes lastSeq + 1. */
  lastSeq: number;
  /** seq of the newest compaction event, or null when the session was never compacted. */
  compactionSeq: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A session in a listing: no state, so that listing stays cheap. */
export interface SessionSummary extends SessionKey {
  lastSeq: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Who spoke in a message: the user, the model, or the runtime itself (e.g. a compaction summary). */
export type ContentRole = 'user' | 'assistant' | 'system' | 'tool';

/** One part of a message: text, a tool call, a tool result or arbitrary JSON data. */
export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown }
  | {
      type: 'tool-result';
      toolCallId: string;
      toolName: string;
      output: unknown;
      isError?: boolean;
    }
  | { type: 'data'; data: unknown };

/** The message an event carries, stored as JSON: `{ role, parts }`. */
export interface EventContent {
  role: ContentRole;
  parts: ContentPart[];
}

/** What a compaction event says: the summary and the inclusive seq range of events it replaces in a prompt. */
export interface CompactionAction {
  summary: string;
  /** First seq covered (1 unless an earlier range was deliberately left out). */
  startSeq: number;
  /** Last seq covered: a turn loads the events after this one. Must be below the compaction event's own seq. */
  endSeq: number;
  tokensBefore?: number;
  tokensAfter?: number;
  /** Anything else worth auditing (turns compacted, model, trigger): kept as JSON. */
  [extra: string]: unknown;
}

/** Side effects of an event, stored as JSON. */
export interface EventActions {
  /** Keys to set, in any scope (by prefix); `temp:` keys are applied in memory only and never stored. */
  stateDelta?: SessionState;
  /** Present on a compaction event; sets the session's compactionSeq to this event's seq. */
  compaction?: CompactionAction;
}

/** Token usage of the model call that produced an event, stored as JSON. */
export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  [extra: string]: unknown;
}

/** An event as the caller hands it to appendEvent; the service assigns `seq` (and `id`/`timestamp` if absent). */
export interface NewSessionEvent {
  /** A uuid; generated when absent. */
  id?: string;
  invocationId: string;
  /** 'user', the agent name, or 'system'. */
  author: string;
  /**
   * A2A message id of the user message that started the turn. At most one event per session carries a
   * given messageId: appending it again returns the stored event (`deduplicated: true`) and stores nothing.
   * Put it on the user-message event only.
   */
  messageId?: string;
  content?: EventContent;
  actions?: EventActions;
  usage?: TokenUsage;
  /** Defaults to now. */
  timestamp?: Date;
}

/** A stored event: seq is per session, starts at 1 and has no gaps. */
export interface SessionEvent {
  seq: number;
  id: string;
  invocationId: string;
  author: string;
  messageId: string | null;
  content: EventContent | null;
  /** Always an object (empty when the event had no actions). */
  actions: EventActions;
  usage: TokenUsage | null;
  timestamp: Date;
}

/** What appendEvent returns: the stored event, and whether it was already there (same messageId). */
export interface AppendedEvent extends SessionEvent {
  deduplicated: boolean;
}

/**
 * What a turn needs: the session, the newest compaction summary, and the events after the range it covers
 * (compaction events themselves excluded), in seq order.
 */
export interface TurnContext {
  session: Session;
  summary: SessionEvent | null;
  events: SessionEvent[];
}

/** One page of a session's full history. */
export interface EventPage {
  events: SessionEvent[];
  /** Pass as `afterSeq` to get the next page; null when this page reached the end. */
  nextAfterSeq: number | null;
}

/** One page of a user's sessions, most recently updated first. */
export interface SessionPage {
  sessions: SessionSummary[];
  /** Pass as `cursor` to get the next page; null when this page reached the end. */
  nextCursor: string | null;
}

/**
 * Told about what a session service stored, for metrics: called after an event was appended (not for
 * a de-duplicated re-send). It must not throw; the append has already happened.
 */
export interface SessionServiceObserver {
  onEventAppended?(key: SessionKey, event: AppendedEvent): void;
}

/** Stores sessions, their events and scoped state of one or more agents. */
export interface SessionService {
  readonly kind: 'memory' | 'sql';

  /**
   * Creates a session with the given initial state (scoped by prefix: `app:`/`user:` keys update those
   * scopes; `temp:` keys stay on the returned object only). Throws MeshError CONFLICT when it exists.
   */
  createSession(key: SessionKey, state?: SessionState): Promise<Session>;

  /** Loads a session with its merged state, or null when there is none. */
  getSession(key: SessionKey): Promise<Session | null>;

  /** Loads the session, or creates it with `state` when missing (safe when several callers race). */
  getOrCreateSession(key: SessionKey, state?: SessionState): Promise<Session>;

  /**
   * Appends an event: assigns the next seq, applies actions.stateDelta to the scopes, records a compaction,
   * and bumps updatedAt, all atomically; concurrent appenders never lose or overwrite each other.
   * Throws MeshError SESSION_NOT_FOUND when the session does not exist, REQUEST_INVALID on a malformed event.
   */
  appendEvent(key: SessionKey, event: NewSessionEvent): Promise<AppendedEvent>;

  /** Loads what a turn needs, reading only the live window (never the whole history); null when missing. */
  loadForTurn(key: SessionKey): Promise<TurnContext | null>;

  /**
   * Reads the full history page by page, in seq order, starting after `afterSeq` (default 0).
   * Throws MeshError SESSION_NOT_FOUND when the session does not exist.
   */
  listEvents(key: SessionKey, options: { afterSeq?: number; limit: number }): Promise<EventPage>;

  /** Lists one user's sessions of one agent, most recently updated first, with an opaque keyset cursor. */
  listSessions(
    appName: string,
    userId: string,
    options: { limit: number; cursor?: string },
  ): Promise<SessionPage>;

  /** Deletes a session and its events (not the app: or user: state); false when there was none. */
  deleteSession(key: SessionKey): Promise<boolean>;

  /** Releases what the service holds (not the database it was given: its owner closes that). */
  close(): Promise<void>;
}
