import { describe, expect, it } from 'vitest';
import { runConcurrently } from './run-concurrently.js';
import { measureInterleaved } from './measure-interleaved.js';

describe('runConcurrently', () => {
  it('runs every operation of every worker, at most `workers` at a time', async () => {
    let running = 0;
    let peak = 0;
    const seen: string[] = [];
    const run = await runConcurrently(3, 4, async (worker, index) => {
      running += 1;
      peak = Math.max(peak, running);
      await Promise.resolve();
      seen.push(`${worker}:${index}`);
      running -= 1;
    });
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    expect(peak).toBe(3);
    expect(run.latenciesMs).toHaveLength(12);
  });
});

describe('measureInterleaved', () => {
  it('times both sides the same number of times and alternates which goes first', async () => {
    const order: string[] = [];
    const samples = await measureInterleaved({
      warmup: 1,
      runs: 3,
      ours: () => Promise.resolve(order.push('ours')),
      reference: () => Promise.resolve(order.push('ref')),
    });
    expect(samples.ours).toHaveLength(3);
    expect(samples.reference).toHaveLength(3);
    expect(order).toEqual(['ours', 'ref', 'ours', 'ref', 'ref', 'ours', 'ours', 'ref']);
  });

  it('starts with the reference when asked to', async () => {
    const order: string[] = [];
    await measureInterleaved({
      warmup: 0,
      runs: 2,
      oursFirst: false,
      ours: () => Promise.resolve(order.push('ours')),
      reference: () => Promise.resolve(order.push('ref')),
    });
    expect(order).toEqual(['ref', 'ours', 'ours', 'ref']);
  });
});
