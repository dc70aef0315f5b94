import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { ApiError, describeError } from '../api/api-error.js';
import type { CheckpointMessage, FeedbackRating } from '../api/api-types.js';
import {
  conversationReducer,
  findUserMessage,
  initialConversationState,
  runningReplies,
  type ConversationState,
  type ExchangeEntry,
} from './conversation-reducer.js';
import { createLocalId } from './local-id.js';
import { useServices } from './services-context.js';

const pageSize = 50;

/** What the conversation view needs: its state and the user's actions. */
export interface Conversation {
  state: ConversationState;
  /** True while a reply of this conversation is running. */
  streaming: boolean;
  /** True while a reply runs whose task id is known, so Stop can cancel it. */
  canStop: boolean;
  /** Sends a message; resolves false when the gateway refused it (the caller keeps the text). */
  send(text: string): Promise<boolean>;
  stop(): void;
  retry(taskId: string): void;
  loadEarlier(): void;
  rate(taskId: string, rating: FeedbackRating): void;
  /** True while a "Compress conversation" request runs. */
  compressing: boolean;
  /**
   * Asks the agent to compress the conversation; the checkpoint it adds is put into the history.
   * Resolves once done (a failure or "nothing to compress" is reported through the events).
   */
  compress(): Promise<void>;
}

/** Callbacks from a conversation to the rest of the page. */
export interface ConversationEvents {
  /** A message was accepted: the session moved to the top of the list. */
  onActivity(sessionId: string): void;
  /** An action failed; the message says what happened. */
  onError(message: string): void;
  /** Something worth telling the user that is not a failure. */
  onNotice?(message: string): void;
  /** Returns (once) the first message of a chat created from the new-chat screen. */
  takeInitialMessage(sessionId: string): string | undefined;
}

/**
 * Loads a session's history (the newest page, older pages on demand) and keeps its running replies live:
 * every running reply is subscribed on the shared socket from the last seq it holds, so a refresh or a
 * reconnect continues a reply where it was, and finished replies are unsubscribed.
 */
export function useConversation(
  sessionId: string,
  agent: string,
  events: ConversationEvents,
): Conversation {
  const { api, socket } = useServices();
  const [state, dispatch] = useReducer(conversationReducer, initialConversationState);
  const eventsRef = useRef(events);
  eventsRef.current = events;
  const stateRef = useRef(state);
  stateRef.current = state;
  const agentRef = useRef(agent);
  agentRef.current = agent;

  const send = useCallback(
    async (text: string): Promise<boolean> => {
      const localId = createLocalId();
      dispatch({
        type: 'send-started',
        localId,
        text,
        agent: agentRef.current,
        createdAt: new Date().toISOString(),
      });
      try {
        const sent = await api.sendMessage(sessionId, text, localId);
        dispatch({ type: 'send-succeeded', localId, taskId: sent.taskId });
        eventsRef.current.onActivity(sessionId);
        return true;
      } catch (error) {
        dispatch({ type: 'send-failed', localId });
        eventsRef.current.onError(`Your message was not sent: ${describeError(error)}`);
        return false;
      }
    },
    [api, sessionId],
  );

  // Load the newest page whenever the session changes, then send a pending first message.
  useEffect(() => {
    let active = true;
    dispatch({ type: 'load-started' });
    api.listMessages(sessionId, { limit: pageSize }).then(
      (page) => {
        if (!active) return;
        dispatch({ type: 'load-succeeded', page });
        const initial = eventsRef.current.takeInitialMessage(sessionId);
        if (initial !== undefined) void send(initial);
      },
      (error: unknown) => {
        if (!active) return;
        dispatch({
          type: 'load-failed',
          code: error instanceof ApiError ? error.code : 'INTERNAL',
          message: describeError(error),
        });
      },
    );
    return () => {
      active = false;
    };
  }, [api, sessionId, send]);

  // Keep exactly the running replies subscribed.
  const subscriptions = useRef(new Map<string, () => void>());
  useEffect(() => {
    const running = new Map(runningReplies(state).map((reply) => [reply.taskId, reply]));
    for (const [taskId, unsubscribe] of subscriptions.current) {
      if (!running.has(taskId)) {
        unsubscribe();
        subscriptions.current.delete(taskId);
      }
    }
    for (const [taskId, reply] of running) {
      if (subscriptions.current.has(taskId)) continue;
      const unsubscribe = socket.subscribe(taskId, reply.lastSeq ?? 0, {
        onEvent: (seq, event) => dispatch({ type: 'task-event', taskId, seq, event }),
        onError: (code, message) => {
          subscriptions.current.delete(taskId);
          // The stream refused the task; take its state from the REST API instead.
          api.getTask(taskId).then(
            (task) => dispatch({ type: 'task-synced', task }),
            () =>
              dispatch({
                type: 'task-event',
                taskId,
                seq: Number.MAX_SAFE_INTEGER,
                event: {
                  type: 'message-end',
                  status: 'failed',
                  text: '',
                  error: `${code}: ${message}`,
                },
              }),
          );
        },
      });
      subscriptions.current.set(taskId, unsubscribe);
    }
  }, [api, socket, state]);

  useEffect(() => {
    const active = subscriptions.current;
    return () => {
      for (const unsubscribe of active.values()) unsubscribe();
      active.clear();
    };
  }, [sessionId]);

  const stop = useCallback(() => {
    for (const reply of runningReplies(stateRef.current)) {
      api.cancelTask(reply.taskId).catch((error: unknown) => {
        eventsRef.current.onError(`Could not stop the reply: ${describeError(error)}`);
      });
    }
  }, [api]);

  const retry = useCallback(
    (taskId: string) => {
      const original = findUserMessage(stateRef.current, taskId);
      const localId = createLocalId();
      dispatch({
        type: 'send-started',
        localId,
        text: original?.text ?? '',
        agent: agentRef.current,
        createdAt: new Date().toISOString(),
      });
      api.retryTask(taskId).then(
        (retried) => {
          dispatch({ type: 'send-succeeded', localId, taskId: retried.taskId });
          eventsRef.current.onActivity(sessionId);
        },
        (error: unknown) => {
          dispatch({ type: 'send-failed', localId });
          eventsRef.current.onError(`Could not retry: ${describeError(error)}`);
        },
      );
    },
    [api, sessionId],
  );

  const loadEarlier = useCallback(() => {
    const { nextBefore, loadingEarlier } = stateRef.current;
    if (nextBefore === null || loadingEarlier) return;
    dispatch({ type: 'earlier-started' });
    api.listMessages(sessionId, { limit: pageSize, before: nextBefore }).then(
      (page) => dispatch({ type: 'earlier-succeeded', page }),
      (error: unknown) => {
        dispatch({ type: 'earlier-failed' });
        eventsRef.current.onError(`Could not load earlier messages: ${describeError(error)}`);
      },
    );
  }, [api, sessionId]);

  const rate = useCallback(
    (taskId: string, rating: FeedbackRating) => {
      const reply = stateRef.current.messages.find(
        (message): message is ExchangeEntry =>
          message.role === 'agent' && message.taskId === taskId,
      );
      const previous = reply?.feedback;
      dispatch({ type: 'feedback-set', taskId, feedback: { rating } });
      api.sendFeedback(taskId, rating).catch((error: unknown) => {
        dispatch({ type: 'feedback-set', taskId, feedback: previous });
        eventsRef.current.onError(`Could not save your feedback: ${describeError(error)}`);
      });
    },
    [api],
  );

  const [compressing, setCompressing] = useState(false);
  const compress = useCallback(async () => {
    setCompressing(true);
    try {
      const result = await api.compactSession(sessionId);
      if (result.checkpoint !== null) {
        dispatch({ type: 'checkpoints-merged', checkpoints: [result.checkpoint] });
      } else {
        const notice = eventsRef.current.onNotice ?? eventsRef.current.onError;
        notice(result.message ?? 'There was nothing to compress yet.');
      }
    } catch (error) {
      eventsRef.current.onError(`Could not compress the conversation: ${describeError(error)}`);
    } finally {
      setCompressing(false);
    }
  }, [api, sessionId]);

  // A reply whose turn made the agent compact by itself: fetch the checkpoint the gateway recorded.
  const fetchedCheckpoints = useRef(new Set<string>());
  useEffect(() => {
    const missing = state.messages.filter(
      (message): message is ExchangeEntry =>
        message.role === 'agent' &&
        message.compaction !== undefined &&
        message.status !== 'running' &&
        !fetchedCheckpoints.current.has(message.taskId) &&
        !state.messages.some((other) => other.role === 'system' && other.taskId === message.taskId),
    );
    if (missing.length === 0) return;
    for (const message of missing) fetchedCheckpoints.current.add(message.taskId);
    api.listMessages(sessionId, { limit: pageSize }).then(
      (page) =>
        dispatch({
          type: 'checkpoints-merged',
          checkpoints: page.messages.filter(
            (message): message is CheckpointMessage => message.role === 'system',
          ),
        }),
      () => undefined, // The note on the reply still says it; the card comes with the next load.
    );
  }, [api, sessionId, state.messages]);

  const running = state.messages.filter(
    (message) => message.role === 'agent' && message.status === 'running',
  );
  return {
    state,
    streaming: running.length > 0,
    canStop: running.some((message) => message.taskId !== ''),
    send,
    stop,
    retry,
    loadEarlier,
    rate,
    compressing,
    compress,
  };
}
