import type {
  CompactionNote,
  CompactionReason,
  CompactionRecord,
  FeedbackRecord,
  SessionRecord,
  TaskRecord,
  TaskStatus,
  TaskUsage,
} from '../store/gateway-store.js';
import { compactionNoteFrom } from '../streaming/a2a-reply-assembler.js';
import { agentMessageIdOf, userMessageIdOf } from '../streaming/task-runner.js';

/** A chat session as the API returns it. */
export interface SessionJson {
  id: string;
  name: string;
  agent: string;
  createdAt: string;
  updatedAt: string;
}

/** What a compaction checkpoint says: a superset of the note on a reply whose turn compacted. */
export interface CheckpointJson extends CompactionNote {
  reason: CompactionReason;
  /** The summary the agent continues from; null when the gateway could not read it. */
  summary: string | null;
  /** The share of the uncompacted turns that was summarised (manual compactions). */
  percentage?: number;
  /** Turns the agent kept as they are after the summary, when it said. */
  turnsKept?: number;
}

/**
 * One message of the history: the user's message or the agent's reply of a task, or a compaction
 * checkpoint (`role: 'system'`, `kind: 'compaction'`) marking where the agent's context now starts
 * from a summary; every original message stays in the history.
 */
export interface MessageJson {
  id: string;
  /** The task of the exchange; for a checkpoint the turn that compacted, null for a manual one. */
  taskId: string | null;
  role: 'user' | 'agent' | 'system';
  kind?: 'compaction';
  text: string;
  agent: string;
  status: TaskStatus;
  createdAt: string;
  usage?: TaskUsage;
  feedback?: { rating: 'up' | 'down'; comment?: string };
  error?: string;
  lastSeq?: number;
  /** On a reply: the agent compacted its context during this turn. On a checkpoint: what it did. */
  compaction?: CompactionNote | CheckpointJson;
}

/** A task as GET /tasks/:id returns it. */
export interface TaskJson {
  id: string;
  sessionId: string;
  agent: string;
  status: TaskStatus;
  text: string;
  lastSeq: number;
  createdAt: string;
  completedAt: string | null;
  usage?: TaskUsage;
  error?: string;
}

/** Serialises a session. */
export function sessionJson(session: SessionRecord): SessionJson {
  return {
    id: session.id,
    name: session.name,
    agent: session.agent,
    createdAt: session.createdAt.toISOString(),
    updatedAt: session.updatedAt.toISOString(),
  };
}

/** Serialises a task as its two history messages: the user's (always completed) and the agent's. */
export function messagesJson(
  task: TaskRecord,
  feedback: FeedbackRecord | undefined,
): MessageJson[] {
  const reply: MessageJson = {
    id: agentMessageIdOf(task.id),
    taskId: task.id,
    role: 'agent',
    text: task.responseText,
    agent: task.agent,
    status: task.status,
    createdAt: (task.completedAt ?? task.createdAt).toISOString(),
    lastSeq: task.lastEventSeq,
  };
  if (task.usage) reply.usage = task.usage;
  if (task.error) reply.error = task.error;
  const compaction = compactionNoteFrom(task.metadata);
  if (compaction) reply.compaction = compaction;
  if (feedback) {
    reply.feedback = {
      rating: feedback.rating,
      ...(feedback.comment !== null ? { comment: feedback.comment } : {}),
    };
  }
  return [
    {
      id: userMessageIdOf(task.id),
      taskId: task.id,
      role: 'user',
      text: task.userMessage,
      agent: task.agent,
      status: 'completed',
      createdAt: task.createdAt.toISOString(),
    },
    reply,
  ];
}

/** Serialises a compaction checkpoint as a `system` message of the history. */
export function checkpointJson(compaction: CompactionRecord): MessageJson {
  const details: CheckpointJson = {
    reason: compaction.reason,
    turnsCompacted: compaction.turnsCompacted,
    tokensBefore: compaction.tokensBefore,
    tokensAfter: compaction.tokensAfter,
    summary: compaction.summary,
  };
  const percentage = compaction.details.percentage;
  if (typeof percentage === 'number') details.percentage = percentage;
  const turnsKept = compaction.details.turnsKept;
  if (typeof turnsKept === 'number') details.turnsKept = turnsKept;
  const turns = `${compaction.turnsCompacted} earlier turn${compaction.turnsCompacted === 1 ? '' : 's'}`;
  return {
    id: compaction.id,
    taskId: compaction.taskId,
    role: 'system',
    kind: 'compaction',
    text:
      `${compaction.reason === 'manual' ? 'Conversation compressed' : 'Context full: conversation compressed automatically'}: ` +
      `${turns} summarised (about ${compaction.tokensBefore} → ${compaction.tokensAfter} tokens). ` +
      'The agent continues from the summary; every message stays in this history.',
    agent: compaction.agent,
    status: 'completed',
    createdAt: compaction.createdAt.toISOString(),
    compaction: details,
  };
}

/**
 * A page of history in order: each task's two messages, a checkpoint of a compaction the agent made
 * during a turn between that turn's message and reply, and the other checkpoints where they happened.
 */
export function historyJson(
  tasks: readonly TaskRecord[],
  compactions: readonly CompactionRecord[],
  feedback: ReadonlyMap<string, FeedbackRecord>,
): MessageJson[] {
  const taskIds = new Set(tasks.map((task) => task.id));
  const duringTurn = new Map<string, CompactionRecord[]>();
  const standalone: CompactionRecord[] = [];
  for (const compaction of compactions) {
    if (compaction.taskId !== null && taskIds.has(compaction.taskId)) {
      const list = duringTurn.get(compaction.taskId) ?? [];
      list.push(compaction);
      duringTurn.set(compaction.taskId, list);
    } else {
      standalone.push(compaction);
    }
  }
  const messages: MessageJson[] = [];
  let next = 0;
  for (const task of tasks) {
    while (
      next < standalone.length &&
      (standalone[next]?.createdAt.getTime() ?? 0) < task.createdAt.getTime()
    ) {
      const compaction = standalone[next];
      if (compaction) messages.push(checkpointJson(compaction));
      next += 1;
    }
    const [user, reply] = messagesJson(task, feedback.get(task.id));
    if (user) messages.push(user);
    for (const compaction of duringTurn.get(task.id) ?? [])
      messages.push(checkpointJson(compaction));
    if (reply) messages.push(reply);
  }
  for (const compaction of standalone.slice(next)) messages.push(checkpointJson(compaction));
  return messages;
}

/** Serialises a task. */
export function taskJson(task: TaskRecord): TaskJson {
  return {
    id: task.id,
    sessionId: task.sessionId,
    agent: task.agent,
    status: task.status,
    text: task.responseText,
    lastSeq: task.lastEventSeq,
    createdAt: task.createdAt.toISOString(),
    completedAt: task.completedAt ? task.completedAt.toISOString() : null,
    ...(task.usage ? { usage: task.usage } : {}),
    ...(task.error ? { error: task.error } : {}),
  };
}
