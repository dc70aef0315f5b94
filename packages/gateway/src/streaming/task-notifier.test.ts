import { describe, expect, it } from 'vitest';
import { packPayloads } from './task-notifier.js';

describe('packPayloads', () => {
  it('packs announcements into as few payloads as fit well under the 8000-byte NOTIFY limit', () => {
    const entries: [string, number][] = Array.from({ length: 500 }, (_value, index) => [
      `task-${index.toString().padStart(4, '0')}-0b7c8d2e-1111-4222-8333-944455556666`,
      index * 1000,
    ]);
    const payloads = packPayloads('instance-1', entries);
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(7000);
    const unpacked = payloads.flatMap((payload) => {
      const notice = JSON.parse(payload) as { i: string; t: [string, number][] };
      expect(notice.i).toBe('instance-1');
      return notice.t;
    });
    expect(unpacked).toEqual(entries);
  });

  it('sends one small payload for one task', () => {
    expect(packPayloads('i', [['task-1', 7]])).toEqual(['{"i":"i","t":[["task-1",7]]}']);
  });
});
