import { describe, expect, it } from 'vitest';
import {
  createBenchEvent,
  createCompactionEvent,
  eventContentBytes,
  toRawEventRow,
} from './event-payload.js';

describe('createBenchEvent', () => {
  it('makes events whose content JSON weighs about 300 bytes, alternating user and assistant', () => {
    for (const index of [0, 1, 9, 12345]) {
      const row = toRawEventRow(createBenchEvent(index), 1, index + 1);
      expect(Buffer.byteLength(row.content ?? '')).toBe(eventContentBytes);
    }
    expect(createBenchEvent(0).author).toBe('user');
    expect(createBenchEvent(1).author).toBe('bench-agent');
  });
});

describe('toRawEventRow', () => {
  it('stores the actions of a compaction event as appendEvent does', () => {
    const row = toRawEventRow(createCompactionEvent(1, 79), 7, 80);
    expect(row).toMatchObject({ sessionPk: 7, seq: 80, author: 'system', usage: null });
    expect(JSON.parse(row.actions ?? 'null')).toMatchObject({
      compaction: { startSeq: 1, endSeq: 79 },
    });
  });
});
