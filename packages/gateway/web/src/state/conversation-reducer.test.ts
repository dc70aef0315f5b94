import { describe, expect, it } from 'vitest';
import type { CheckpointMessage, ExchangeMessage } from '../api/api-types.js';
import {
  conversationReducer,
  findUserMessage,
  initialConversationState,
  runningReplies,
  type ConversationAction,
  type ConversationState,
} from './conversation-reducer.js';

const createdAt = '2025-03-12T10:00:00.000Z';
const pair = (taskId: string, reply: Partial<ExchangeMessage> = {}): ExchangeMessage[] => [
  {
    id: `${taskId}-u`,
    taskId,
    role: 'user',
    text: `question ${taskId}`,
    agent: 'assistant',
    status: 'completed',
    createdAt,
  },
  {
    id: `${taskId}-a`,
    taskId,
    role: 'agent',
    text: `answer ${taskId}`,
    agent: 'assistant',
    status: 'completed',
    createdAt,
    ...reply,
  },
];
const run = (actions: ConversationAction[], from: ConversationState = initialConversationState) =>
  actions.reduce(conversationReducer, from);

describe('conversationReducer', () => {
  it('prepends an older page without duplicating messages it already has', () => {
    const state = run([
      {
        type: 'load-succeeded',
        page: { messages: [...pair('t2'), ...pair('t3')], nextBefore: 'c1' },
      },
      { type: 'earlier-started' },
      {
        type: 'earlier-succeeded',
        page: { messages: [...pair('t1'), ...pair('t2')], nextBefore: null },
      },
    ]);
    expect(state.messages.map((message) => message.id)).toEqual([
      't1-u',
      't1-a',
      't2-u',
      't2-a',
      't3-u',
      't3-a',
    ]);
    expect(state.nextBefore).toBeNull();
    expect(state.loadingEarlier).toBe(false);
  });

  it('shows a sent message at once and streams its reply once the task id is known', () => {
    const state = run([
      { type: 'load-succeeded', page: { messages: [], nextBefore: null } },
      { type: 'send-started', localId: 'l1', text: 'hi', agent: 'assistant', createdAt },
      { type: 'send-succeeded', localId: 'l1', taskId: 'task-1' },
      {
        type: 'task-event',
        taskId: 'task-1',
        seq: 1,
        event: { type: 'message-start', agent: 'assistant' },
      },
      {
        type: 'task-event',
        taskId: 'task-1',
        seq: 2,
        event: { type: 'message-delta', text: 'Hel' },
      },
      {
        type: 'task-event',
        taskId: 'task-1',
        seq: 3,
        event: { type: 'message-delta', text: 'lo' },
      },
    ]);
    expect(
      state.messages.map(({ role, text, status, taskId }) => ({ role, text, status, taskId })),
    ).toEqual([
      { role: 'user', text: 'hi', status: 'completed', taskId: 'task-1' },
      { role: 'agent', text: 'Hello', status: 'running', taskId: 'task-1' },
    ]);
    expect(runningReplies(state).map((message) => message.taskId)).toEqual(['task-1']);
    expect(findUserMessage(state, 'task-1')?.text).toBe('hi');
  });

  it('does not subscribe to a reply whose task id is not known yet', () => {
    const state = run([{ type: 'send-started', localId: 'l1', text: 'hi', agent: 'a', createdAt }]);
    expect(runningReplies(state)).toEqual([]);
  });

  it('drops the optimistic pair when sending fails', () => {
    const loaded = run([
      { type: 'load-succeeded', page: { messages: pair('t1'), nextBefore: null } },
    ]);
    const state = run(
      [
        { type: 'send-started', localId: 'l1', text: 'hi', agent: 'assistant', createdAt },
        { type: 'send-failed', localId: 'l1' },
      ],
      loaded,
    );
    expect(state.messages).toEqual(loaded.messages);
  });

  it('routes stream events only to the agent bubble of their task', () => {
    const state = run([
      {
        type: 'load-succeeded',
        page: {
          messages: [...pair('t1'), ...pair('t2', { text: 'par', status: 'running', lastSeq: 2 })],
          nextBefore: null,
        },
      },
      { type: 'task-event', taskId: 't2', seq: 3, event: { type: 'message-delta', text: 'tial' } },
      {
        type: 'task-event',
        taskId: 't2',
        seq: 4,
        event: { type: 'message-end', status: 'interrupted', text: '', error: 'cut' },
      },
    ]);
    expect(state.messages.map((message) => message.text)).toEqual([
      'question t1',
      'answer t1',
      'question t2',
      'partial',
    ]);
    expect(state.messages[3]).toMatchObject({ status: 'interrupted', error: 'cut' });
    expect(runningReplies(state)).toEqual([]);
  });

  it('takes the task as the gateway reports it when re-synced', () => {
    const state = run([
      {
        type: 'load-succeeded',
        page: {
          messages: pair('t1', { text: 'par', status: 'running', lastSeq: 2 }),
          nextBefore: null,
        },
      },
      {
        type: 'task-synced',
        task: { id: 't1', sessionId: 's', status: 'interrupted', text: 'partial', lastSeq: 5 },
      },
      { type: 'feedback-set', taskId: 't1', feedback: { rating: 'down' } },
    ]);
    expect(state.messages[1]).toMatchObject({
      text: 'partial',
      status: 'interrupted',
      lastSeq: 5,
      feedback: { rating: 'down' },
    });
  });

  it('puts checkpoints in place once: inside their turn, or where they happened', () => {
    const checkpoint = (id: string, taskId: string | null, at: string): CheckpointMessage => ({
      id,
      taskId,
      role: 'system',
      kind: 'compaction',
      text: 'Conversation compressed',
      agent: 'assistant',
      status: 'completed',
      createdAt: at,
      compaction: {
        reason: taskId === null ? 'manual' : 'overflow',
        turnsCompacted: 1,
        tokensBefore: 900,
        tokensAfter: 300,
        summary: 'Ada.',
      },
    });
    const later = '2025-03-12T10:05:00.000Z';
    const state = run([
      {
        type: 'load-succeeded',
        page: {
          messages: [
            ...pair('t1'),
            ...pair('t2', { createdAt: later }).map((m) => ({ ...m, createdAt: later })),
          ],
          nextBefore: null,
        },
      },
      {
        type: 'send-started',
        localId: 'l1',
        text: 'pending',
        agent: 'assistant',
        createdAt: '2025-03-12T10:09:00.000Z',
      },
      {
        type: 'checkpoints-merged',
        checkpoints: [
          checkpoint('c-auto', 't2', later),
          checkpoint('c-between', null, '2025-03-12T10:01:00.000Z'),
          checkpoint('c-end', null, '2025-03-12T10:08:00.000Z'),
        ],
      },
      { type: 'checkpoints-merged', checkpoints: [checkpoint('c-auto', 't2', later)] },
    ]);
    expect(state.messages.map((message) => message.id)).toEqual([
      't1-u',
      't1-a',
      'c-between',
      't2-u',
      'c-auto',
      't2-a',
      'c-end',
      'local-user-l1',
      'local-agent-l1',
    ]);
  });

  it('keeps the compaction note of a reply that ends with one', () => {
    const state = run([
      {
        type: 'load-succeeded',
        page: {
          messages: pair('t1', { status: 'running', text: '', lastSeq: 1 }),
          nextBefore: null,
        },
      },
      {
        type: 'task-event',
        taskId: 't1',
        seq: 2,
        event: {
          type: 'message-end',
          status: 'completed',
          text: 'done',
          compaction: { turnsCompacted: 2, tokensBefore: 1400, tokensAfter: 300 },
        },
      },
    ]);
    expect(state.messages[1]).toMatchObject({
      status: 'completed',
      compaction: { turnsCompacted: 2, tokensBefore: 1400, tokensAfter: 300 },
    });
  });

  it('returns the same state object when an event changes nothing', () => {
    const state = run([
      { type: 'load-succeeded', page: { messages: pair('t1'), nextBefore: null } },
    ]);
    const next = conversationReducer(state, {
      type: 'task-event',
      taskId: 'unknown',
      seq: 1,
      event: { type: 'message-delta', text: 'x' },
    });
    expect(next).toBe(state);
  });
});
