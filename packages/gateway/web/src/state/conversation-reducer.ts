import type {
  ChatMessage,
  CheckpointMessage,
  Feedback,
  MessagePage,
  TaskEvent,
  TaskInfo,
} from '../api/api-types.js';
import { applyTaskEvent } from './stream-assembly.js';

/** An entry as the page shows it: a stored message (or checkpoint) plus what only the browser knows. */
export type ConversationMessage = ChatMessage & {
  /** The latest status note of a running reply. */
  statusNote?: string;
  /** Set on the optimistic pair of a message the gateway has not accepted yet. */
  localId?: string;
};

/** A user message or agent reply as the page shows it. */
export type ExchangeEntry = Extract<ConversationMessage, { role: 'user' | 'agent' }>;

/** Tells a user message or agent reply from a compaction checkpoint. */
export function isExchange(message: ConversationMessage): message is ExchangeEntry {
  return message.role !== 'system';
}

/** Everything the conversation view renders. */
export interface ConversationState {
  messages: ConversationMessage[];
  /** Cursor of the next older page; null when the start of the conversation is loaded. */
  nextBefore: string | null;
  phase: 'loading' | 'ready' | 'failed';
  loadingEarlier: boolean;
  error: { code: string; message: string } | null;
}

/** What can happen to a conversation. */
export type ConversationAction =
  | { type: 'load-started' }
  | { type: 'load-succeeded'; page: MessagePage }
  | { type: 'load-failed'; code: string; message: string }
  | { type: 'earlier-started' }
  | { type: 'earlier-succeeded'; page: MessagePage }
  | { type: 'earlier-failed' }
  | { type: 'send-started'; localId: string; text: string; agent: string; createdAt: string }
  | { type: 'send-succeeded'; localId: string; taskId: string }
  | { type: 'send-failed'; localId: string }
  | { type: 'task-event'; taskId: string; seq: number; event: TaskEvent }
  | { type: 'task-synced'; task: TaskInfo }
  | { type: 'feedback-set'; taskId: string; feedback: Feedback | undefined }
  | { type: 'checkpoints-merged'; checkpoints: CheckpointMessage[] };

/** The state of a conversation before its first page arrives. */
export const initialConversationState: ConversationState = {
  messages: [],
  nextBefore: null,
  phase: 'loading',
  loadingEarlier: false,
  error: null,
};

/**
 * Applies one action to a conversation. Pure, so the page and the tests share it: stream events go to the
 * agent bubble of their task through `applyTaskEvent`, an older page is put in front without duplicates,
 * and a message being sent shows at once as a user bubble plus a running reply, both dropped if the
 * gateway refuses it (the composer gets the text back).
 */
export function conversationReducer(
  state: ConversationState,
  action: ConversationAction,
): ConversationState {
  switch (action.type) {
    case 'load-started':
      return { ...initialConversationState };
    case 'load-succeeded':
      return {
        ...state,
        phase: 'ready',
        error: null,
        messages: action.page.messages,
        nextBefore: action.page.nextBefore,
      };
    case 'load-failed':
      return { ...state, phase: 'failed', error: { code: action.code, message: action.message } };
    case 'earlier-started':
      return { ...state, loadingEarlier: true };
    case 'earlier-succeeded': {
      const known = new Set(state.messages.map((message) => message.id));
      const older = action.page.messages.filter((message) => !known.has(message.id));
      return {
        ...state,
        loadingEarlier: false,
        messages: [...older, ...state.messages],
        nextBefore: action.page.nextBefore,
      };
    }
    case 'earlier-failed':
      return { ...state, loadingEarlier: false };
    case 'send-started': {
      const common = { taskId: '', agent: action.agent, createdAt: action.createdAt };
      return {
        ...state,
        messages: [
          ...state.messages,
          {
            ...common,
            id: `local-user-${action.localId}`,
            localId: action.localId,
            role: 'user',
            text: action.text,
            status: 'completed',
          },
          {
            ...common,
            id: `local-agent-${action.localId}`,
            localId: action.localId,
            role: 'agent',
            text: '',
            status: 'running',
            lastSeq: 0,
          },
        ],
      };
    }
    case 'send-succeeded':
      return mapMessages(state, (message) =>
        message.localId === action.localId ? { ...message, taskId: action.taskId } : message,
      );
    case 'send-failed':
      return {
        ...state,
        messages: state.messages.filter((message) => message.localId !== action.localId),
      };
    case 'task-event':
      return mapMessages(state, (message) =>
        message.role === 'agent' && message.taskId === action.taskId
          ? applyTaskEvent(message, action.seq, action.event)
          : message,
      );
    case 'task-synced': {
      const { task } = action;
      return mapMessages(state, (message) =>
        message.role === 'agent' && message.taskId === task.id
          ? {
              ...message,
              status: task.status,
              text: task.text !== '' || task.status === 'running' ? task.text : message.text,
              lastSeq: task.lastSeq,
              usage: task.usage ?? message.usage,
              error: task.error ?? message.error,
            }
          : message,
      );
    }
    case 'feedback-set':
      return mapMessages(state, (message) =>
        message.role === 'agent' && message.taskId === action.taskId
          ? { ...message, feedback: action.feedback }
          : message,
      );
    case 'checkpoints-merged':
      return action.checkpoints.reduce(insertCheckpoint, state);
  }
}

/**
 * Puts a compaction checkpoint into the conversation once: one the agent made during a turn goes just
 * before that turn's reply, any other where it happened (before the first later message).
 */
function insertCheckpoint(
  state: ConversationState,
  checkpoint: CheckpointMessage,
): ConversationState {
  if (state.messages.some((message) => message.id === checkpoint.id)) return state;
  const time = Date.parse(checkpoint.createdAt);
  let index =
    checkpoint.taskId === null
      ? -1
      : state.messages.findIndex(
          (message) => message.role === 'agent' && message.taskId === checkpoint.taskId,
        );
  if (index < 0) {
    index = state.messages.findIndex(
      (message) => message.taskId !== '' && Date.parse(message.createdAt) > time,
    );
  }
  if (index < 0) {
    // After everything stored, but before a message still being sent.
    index = state.messages.findIndex(
      (message) => message.localId !== undefined && message.taskId === '',
    );
  }
  const messages = [...state.messages];
  messages.splice(index < 0 ? messages.length : index, 0, checkpoint);
  return { ...state, messages };
}

/** The agent replies still streaming that have a task to subscribe to. */
export function runningReplies(state: ConversationState): ExchangeEntry[] {
  return state.messages.filter(
    (message): message is ExchangeEntry =>
      message.role === 'agent' && message.status === 'running' && message.taskId !== '',
  );
}

/** The user message that started `taskId`, for retries. */
export function findUserMessage(
  state: ConversationState,
  taskId: string,
): ExchangeEntry | undefined {
  return state.messages.find(
    (message): message is ExchangeEntry => message.role === 'user' && message.taskId === taskId,
  );
}

function mapMessages(
  state: ConversationState,
  update: (message: ConversationMessage) => ConversationMessage,
): ConversationState {
  let changed = false;
  const messages = state.messages.map((message) => {
    const next = update(message);
    if (next !== message) changed = true;
    return next;
  });
  return changed ? { ...state, messages } : state;
}
