import { describe, expect, it } from 'vitest';
import type { CompactionRecord, TaskRecord } from '../store/gateway-store.js';
import { historyJson } from './api-json.js';

function task(id: string, second: number, metadata: Record<string, unknown> = {}): TaskRecord {
  const createdAt = new Date(Date.UTC(2030, 0, 1, 0, 0, second));
  return {
    id,
    sessionId: 'web-session-1',
    userId: 'anon-1',
    agent: 'assistant',
    clientMessageId: null,
    userMessage: `question ${id}`,
    responseText: `answer ${id}`,
    status: 'completed',
    usage: null,
    metadata,
    error: null,
    lastEventSeq: 3,
    createdAt,
    updatedAt: createdAt,
    completedAt: createdAt,
  };
}

function checkpoint(id: string, second: number, taskId: string | null = null): CompactionRecord {
  return {
    id,
    sessionId: 'web-session-1',
    userId: 'anon-1',
    agent: 'assistant',
    taskId,
    reason: taskId === null ? 'manual' : 'overflow',
    turnsCompacted: 2,
    tokensBefore: 1200,
    tokensAfter: 400,
    summary: 'The user is Ada.',
    agentSeq: null,
    details: taskId === null ? { percentage: 0.5 } : {},
    createdAt: new Date(Date.UTC(2030, 0, 1, 0, 0, second)),
  };
}

describe('historyJson', () => {
  it('puts a manual checkpoint where it happened and an automatic one inside its turn', () => {
    const note = { turnsCompacted: 2, tokensBefore: 1200, tokensAfter: 400 };
    const messages = historyJson(
      [task('t1', 1), task('t2', 3), task('t3', 5, { compaction: note })],
      [checkpoint('c-manual', 4), checkpoint('c-auto', 5, 't3'), checkpoint('c-late', 9)],
      new Map(),
    );
    expect(messages.map((message) => message.id)).toEqual([
      't1-user',
      't1-agent',
      't2-user',
      't2-agent',
      'c-manual',
      't3-user',
      'c-auto',
      't3-agent',
      'c-late',
    ]);
    expect(messages[4]).toMatchObject({
      role: 'system',
      kind: 'compaction',
      taskId: null,
      status: 'completed',
      compaction: {
        reason: 'manual',
        turnsCompacted: 2,
        tokensBefore: 1200,
        tokensAfter: 400,
        summary: 'The user is Ada.',
        percentage: 0.5,
      },
    });
    expect(messages[4]?.text).toContain('2 earlier turns summarised');
    expect(messages[6]).toMatchObject({ taskId: 't3', compaction: { reason: 'overflow' } });
    expect(messages[7]?.compaction).toEqual(note);
    expect(messages[1]?.compaction).toBeUndefined();
  });
});
