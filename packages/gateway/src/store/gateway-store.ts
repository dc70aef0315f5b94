/**
 * The gateway's storage contract: chat sessions, tasks (one exchange each) with their numbered stream
 * events, feedback, express-session records and gateway-wide settings. Two implementations keep the
 * same behaviour — `MemoryGatewayStore` (lost on restart) and `SqlGatewayStore` (the gateway database) —
 * and one contract suite runs against both.
 */
import type { TaskStreamEvent } from '../streaming/task-stream-event.js';

/** Where the gateway keeps history: in process memory or in its SQL database. */
export type GatewayPersistence = 'memory' | 'sql';

/** The lifecycle status of a task; `running` is the only non-final one. */
export type TaskStatus = 'running' | 'completed' | 'interrupted' | 'failed' | 'canceled';

/** The final statuses a task can end in. */
export type FinalTaskStatus = Exclude<TaskStatus, 'running'>;

/** Token usage of one reply as reported by the agent. */
export interface TaskUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  contextWindow?: number;
}

/**
 * What the agent reported when it compacted its context during a turn (summed over the turn's
 * compactions): turns summarised, estimated prompt tokens before the first and after the last.
 */
export interface CompactionNote {
  turnsCompacted: number;
  tokensBefore: number;
  tokensAfter: number;
}

/** A chat as the user sees it. */
export interface SessionRecord {
  id: string;
  userId: string;
  name: string;
  agent: string;
  createdAt: Date;
  updatedAt: Date;
  lastViewedAt: Date | null;
}

/** One exchange: the user's message and the agent's reply, as recorded so far. */
export interface TaskRecord {
  id: string;
  sessionId: string;
  userId: string;
  agent: string;
  clientMessageId: string | null;
  userMessage: string;
  responseText: string;
  status: TaskStatus;
  usage: TaskUsage | null;
  metadata: Record<string, unknown>;
  error: string | null;
  lastEventSeq: number;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

/** A stream event with its position in the task's sequence (1-based, no gaps). */
export interface SequencedTaskEvent {
  seq: number;
  event: TaskStreamEvent;
}

/** A user's rating of one reply. */
export interface FeedbackRecord {
  taskId: string;
  userId: string;
  rating: 'up' | 'down';
  comment: string | null;
}

/** An express-session record. */
export interface WebSessionRecord {
  data: string;
  expiresAt: Date;
}

/** Keyset position in the session list (most recently active first). */
export interface SessionCursor {
  updatedAt: Date;
  id: string;
}

/** Keyset position in a session's tasks (newest first). */
export interface TaskCursor {
  createdAt: Date;
  id: string;
}

/** What a new task starts with; the first event (message-start, seq 1) is stored with it. */
export interface NewTask {
  id: string;
  sessionId: string;
  userId: string;
  agent: string;
  clientMessageId: string | null;
  userMessage: string;
  metadata: Record<string, unknown>;
  firstEvent: TaskStreamEvent;
  now: Date;
}

/** Why the agent's context was compacted: the user asked, or the agent ran out of room during a turn. */
export type CompactionReason = 'manual' | 'overflow';

/**
 * A compaction of the agent's context as the gateway history keeps it (a checkpoint card in the UI):
 * the agent summarised its oldest turns; the gateway still shows every original message.
 */
export interface CompactionRecord {
  id: string;
  sessionId: string;
  userId: string;
  agent: string;
  /** The turn during which the agent compacted by itself; null for a manual compaction. */
  taskId: string | null;
  reason: CompactionReason;
  turnsCompacted: number;
  /** Estimated prompt tokens before and after, as the agent reported them. */
  tokensBefore: number;
  tokensAfter: number;
  /** The summary the agent continues from; null when it could not be read from the agent. */
  summary: string | null;
  /** seq of the agent's compaction event; one record per agent compaction (null when unknown). */
  agentSeq: number | null;
  /** Other facts, e.g. the percentage applied. */
  details: Record<string, unknown>;
  /** Its place in the history: when it was made, or for an automatic one the start of its turn. */
  createdAt: Date;
}

/** A batch of progress of a running task; with `status` it is the final write. */
export interface TaskProgress {
  events: SequencedTaskEvent[];
  responseText: string;
  lastEventSeq: number;
  metadata?: Record<string, unknown>;
  status?: FinalTaskStatus;
  usage?: TaskUsage | null;
  error?: string | null;
  now: Date;
}

/** The storage the gateway runs on; every user-facing read takes the caller's user id. */
export interface GatewayStore {
  readonly persistence: GatewayPersistence;

  /** Creates a chat session. */
  createSession(session: Omit<SessionRecord, 'lastViewedAt'>): Promise<SessionRecord>;
  /** Returns the session when it exists and belongs to the user. */
  getSession(id: string, userId: string): Promise<SessionRecord | null>;
  /** Lists the user's sessions, most recently active first, after the cursor. */
  listSessions(
    userId: string,
    options: { limit: number; after?: SessionCursor },
  ): Promise<SessionRecord[]>;
  /** Changes fields of the user's session; null when it is not theirs or does not exist. */
  updateSession(
    id: string,
    userId: string,
    patch: { name?: string; updatedAt?: Date; lastViewedAt?: Date },
  ): Promise<SessionRecord | null>;
  /**
   * Deletes the user's session with its tasks, events, feedback and compaction checkpoints; false when
   * there was none.
   */
  deleteSession(id: string, userId: string): Promise<boolean>;

  /**
   * Stores a new running task with its first event and marks the session active. When the session already
   * has a task with the same clientMessageId, returns that one with `created: false` instead.
   */
  createTask(task: NewTask): Promise<{ task: TaskRecord; created: boolean }>;
  /** Returns the task when it exists and belongs to the user. */
  getTask(id: string, userId: string): Promise<TaskRecord | null>;
  /** Lists a session's tasks newest first, before the cursor. */
  listTasks(
    sessionId: string,
    options: { limit: number; before?: TaskCursor },
  ): Promise<TaskRecord[]>;
  /** Lists tasks still marked running (any user), oldest first. */
  listRunningTasks(): Promise<TaskRecord[]>;
  /**
   * Appends events and the text so far to a running task. With a final `status`, the task is closed
   * and the session marked active. Returns false (and writes nothing) when the task is no longer running.
   */
  saveTaskProgress(taskId: string, progress: TaskProgress): Promise<boolean>;
  /** Returns stored events with seq greater than `afterSeq`, in order. */
  listTaskEvents(taskId: string, afterSeq: number): Promise<SequencedTaskEvent[]>;
  /**
   * Returns the seq of the last stored event of each given task (tasks that do not exist are left out),
   * in one query: how a gateway polls for progress that other instances recorded.
   */
  getLastEventSeqs(taskIds: readonly string[]): Promise<Map<string, number>>;

  /**
   * Stores a compaction checkpoint. When the session already has one with the same `agentSeq` (another
   * request or gateway instance recorded that agent compaction), returns that one with `created: false`.
   */
  createCompaction(
    compaction: CompactionRecord,
  ): Promise<{ compaction: CompactionRecord; created: boolean }>;
  /**
   * Lists a session's compaction checkpoints oldest first, with `createdAt` from `from` (inclusive) to
   * `before` (exclusive) when given.
   */
  listCompactions(
    sessionId: string,
    range?: { from?: Date; before?: Date },
  ): Promise<CompactionRecord[]>;

  /** Creates or replaces the user's rating of a task. */
  saveFeedback(
    feedback: FeedbackRecord & { sessionId: string; now: Date },
  ): Promise<FeedbackRecord>;
  /** Returns the user's ratings of the given tasks, keyed by task id. */
  listFeedback(userId: string, taskIds: string[]): Promise<Map<string, FeedbackRecord>>;

  /** Reads a gateway-wide setting. */
  getSetting(key: string): Promise<string | null>;
  /** Stores a setting unless one exists; returns the value that is stored afterwards (first writer wins). */
  setSettingIfAbsent(key: string, value: string): Promise<string>;

  /** Reads an express-session record that has not expired. */
  getWebSession(sid: string, now: Date): Promise<WebSessionRecord | null>;
  /** Creates or replaces an express-session record. */
  setWebSession(sid: string, record: WebSessionRecord): Promise<void>;
  /** Moves the expiry of an existing record. */
  touchWebSession(sid: string, expiresAt: Date): Promise<void>;
  /** Removes an express-session record. */
  destroyWebSession(sid: string): Promise<void>;
  /** Removes expired express-session records; returns how many. */
  pruneWebSessions(now: Date): Promise<number>;

  /** Throws when the storage cannot be reached. */
  ping(): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}
