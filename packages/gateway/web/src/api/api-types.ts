/**
 * Wire shapes of the gateway's HTTP and WebSocket API (docs/api.md) as the browser sees them. The web app
 * talks only to this contract, never to gateway internals, so these types are kept here on purpose.
 */

/** Where the gateway (or an agent) keeps its sessions. */
export type Persistence = 'sql' | 'memory';

/** GET /api/v1/config. */
export interface GatewayInfo {
  user: { id: string; name: string };
  persistence: Persistence;
  auth: { mode: string };
  warnings: string[];
  version: string;
}

/** One entry of GET /api/v1/agents. */
export interface AgentInfo {
  name: string;
  description: string;
  available: boolean;
  persistence: Persistence | 'unknown';
  warning?: string;
}

/** A chat session as the gateway returns it. */
export interface ChatSession {
  id: string;
  name: string;
  agent: string;
  createdAt: string;
  updatedAt: string;
}

/** One page of GET /api/v1/sessions, most recently active first. */
export interface SessionPage {
  sessions: ChatSession[];
  nextCursor: string | null;
}

/** The lifecycle of a task; the user entry of a task is always `completed`. */
export type TaskStatus = 'completed' | 'running' | 'interrupted' | 'failed' | 'canceled';

/** Token usage the agent reported for a reply. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  contextWindow?: number;
}

/** A thumbs-up or thumbs-down on an agent reply. */
export type FeedbackRating = 'up' | 'down';

/** Feedback stored for a task. */
export interface Feedback {
  rating: FeedbackRating;
  comment?: string;
}

/** What the agent did when it compacted its context during a turn (a note on that reply). */
export interface CompactionNote {
  turnsCompacted: number;
  tokensBefore: number;
  tokensAfter: number;
}

/** What a compaction checkpoint says: the note plus why, the summary and the share summarised. */
export interface CheckpointInfo extends CompactionNote {
  reason: 'manual' | 'overflow';
  /** The summary the agent continues from; null when the gateway could not read it. */
  summary: string | null;
  percentage?: number;
  turnsKept?: number;
}

/** One bubble of a conversation: the user's message or the agent's reply of a task. */
export interface ExchangeMessage {
  id: string;
  taskId: string;
  role: 'user' | 'agent';
  text: string;
  agent: string;
  status: TaskStatus;
  createdAt: string;
  usage?: TokenUsage;
  feedback?: Feedback;
  error?: string;
  /** The sequence number of the last stream event folded into `text` (agent entries). */
  lastSeq?: number;
  /** On a reply: the agent compacted its context during this turn. */
  compaction?: CompactionNote;
}

/**
 * A compaction checkpoint of the history: from here the agent works from a summary of the turns before
 * it; the original messages stay in the history.
 */
export interface CheckpointMessage {
  id: string;
  /** The turn that compacted automatically; null for a manual compaction. */
  taskId: string | null;
  role: 'system';
  kind: 'compaction';
  text: string;
  agent: string;
  status: TaskStatus;
  createdAt: string;
  compaction: CheckpointInfo;
}

/** One entry of the history. */
export type ChatMessage = ExchangeMessage | CheckpointMessage;

/** GET /api/v1/sessions/:id/context-usage: how full the agent's context is. */
export interface ContextUsage {
  sessionId: string;
  agent: string;
  /** `agent`: the agent's own figures; `gateway`: the last ones the gateway recorded (agent down). */
  source: 'agent' | 'gateway';
  inputTokens: number | null;
  estimated: boolean;
  contextWindow: number | null;
  percent: number | null;
  compactions: number;
  compactionPercentage?: number;
  model?: string;
  lastCompaction?: {
    at: string;
    reason: 'manual' | 'overflow';
    turnsCompacted: number;
    turnsKept?: number;
    tokensBefore: number;
    tokensAfter: number;
  };
  message?: string;
}

/** POST /api/v1/sessions/:id/compact. */
export interface CompactResult {
  sessionId: string;
  status: 'compacted' | 'nothing-to-compact' | 'already-compacted';
  turnsCompacted: number;
  tokensBefore: number;
  tokensAfter: number;
  summary: string | null;
  percentage: number | null;
  message?: string;
  checkpoint: CheckpointMessage | null;
}

/** DELETE /api/v1/sessions/:id. */
export interface DeletedSession {
  sessionId: string;
  deleted: true;
  /** True when the agent holds nothing for the chat any more. */
  agentDeleted: boolean;
  agentError?: string;
}

/** One page of GET /api/v1/sessions/:id/messages, oldest first within the page. */
export interface MessagePage {
  messages: ChatMessage[];
  nextBefore: string | null;
}

/** POST /api/v1/sessions/:id/messages answers 202 with the task it started. */
export interface SentMessage {
  taskId: string;
  sessionId: string;
}

/** GET /api/v1/tasks/:id. */
export interface TaskInfo {
  id: string;
  sessionId: string;
  status: TaskStatus;
  text: string;
  lastSeq: number;
  usage?: TokenUsage;
  error?: string;
}

/** One event of an agent reply stream. */
export type TaskEvent =
  | { type: 'message-start'; agent: string }
  /** More reply text to append, or with `replace` the whole text so far (the agent restarted its reply). */
  | { type: 'message-delta'; text: string; replace?: boolean }
  | { type: 'status-update'; state: string; message?: string }
  | {
      type: 'message-end';
      status: Exclude<TaskStatus, 'running'>;
      text: string;
      usage?: TokenUsage;
      error?: string;
      compaction?: CompactionNote;
    };

/** Frames the server sends over the WebSocket. */
export type ServerFrame =
  | { type: 'task-event'; taskId: string; seq: number; event: TaskEvent }
  | { type: 'subscribed'; taskId: string; fromSeq: number }
  | { type: 'error'; code: string; message: string; taskId?: string }
  | { type: 'pong' };

/** Frames the browser sends over the WebSocket. */
export type ClientFrame =
  | { type: 'subscribe'; taskId: string; fromSeq: number }
  | { type: 'unsubscribe'; taskId: string }
  | { type: 'ping' };
