import type {
  FeedbackRecord,
  SessionRecord,
  TaskRecord,
  TaskStatus,
  TaskUsage,
} from '../store/gateway-store.js';
import { agentMessageIdOf, userMessageIdOf } from '../streaming/task-runner.js';

/** A chat session as the API returns it. */
export interface SessionJson {
  id: string;
  name: string;
  agent: string;
  createdAt: string;
  updatedAt: string;
}

/** One message of the history: the user's message or the agent's reply of a task. */
export interface MessageJson {
  id: string;
  taskId: string;
  role: 'user' | 'agent';
  text: string;
  agent: string;
  status: TaskStatus;
  createdAt: string;
  usage?: TaskUsage;
  feedback?: { rating: 'up' | 'down'; comment?: string };
  error?: string;
  lastSeq?: number;
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
