import { describe, expect, it } from 'vitest';
import { median, percentile, summarize } from './stats.js';

describe('summarize', () => {
  it('reports nearest-rank percentiles, mean and range of unsorted samples', () => {
    const samples = Array.from({ length: 100 }, (_, index) => 100 - index); // 100 … 1
    const summary = summarize(samples);
    expect(summary).toEqual({ count: 100, mean: 50.5, p50: 50, p99: 99, min: 1, max: 100 });
  });

  it('takes the only sample as every percentile', () => {
    expect(summarize([7])).toMatchObject({ p50: 7, p99: 7, mean: 7 });
  });

  it('rejects an empty sample list', () => {
    expect(() => summarize([])).toThrow(/at least one sample/);
  });
});

describe('percentile', () => {
  it('picks a measured value, never an interpolated one', () => {
    expect(percentile([1, 2, 3, 10], 50)).toBe(2);
    expect(percentile([1, 2, 3, 10], 99)).toBe(10);
    expect(median([3, 1, 2])).toBe(2);
  });

  it('rejects a percentile outside (0, 100]', () => {
    expect(() => percentile([1], 0)).toThrow(/\(0, 100\]/);
  });
});
