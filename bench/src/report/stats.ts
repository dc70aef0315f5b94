/** A summary of timing samples: what the tables and the results file report for one figure. */
export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
}

/**
 * Summarises samples (any unit) into count, mean, p50, p99, min and max; percentiles use the nearest-rank
 * method, so every reported value is one that was actually measured.
 */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summarize needs at least one sample.');
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    mean: total / sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

/** The nearest-rank percentile (0 < p ≤ 100) of samples already sorted in ascending order. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile needs at least one sample.');
  if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100]; got ${p}.`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** The median (p50, nearest rank) of unsorted samples. */
export function median(samples: readonly number[]): number {
  return summarize(samples).p50;
}
