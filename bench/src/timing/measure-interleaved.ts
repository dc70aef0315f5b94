import { performance } from 'node:perf_hooks';

/** Durations in milliseconds of each run of ours and of the reference, in run order. */
export interface InterleavedSamples {
  ours: number[];
  reference: number[];
}

/** What measureInterleaved runs and how often. */
export interface InterleavedOptions {
  /** Untimed runs of each side first (JIT, caches, connection warm-up). */
  warmup: number;
  runs: number;
  ours: () => Promise<unknown>;
  reference: () => Promise<unknown>;
  /** Which side goes first on the first timed run (default ours); the order swaps every run. */
  oursFirst?: boolean;
}

/**
 * Times ours and its reference alternately, swapping which goes first on every run, so drift of the
 * machine (other processes, checkpoints, caches) weighs on both sides alike.
 */
export async function measureInterleaved(options: InterleavedOptions): Promise<InterleavedSamples> {
  for (let run = 0; run < options.warmup; run += 1) {
    await options.ours();
    await options.reference();
  }
  const samples: InterleavedSamples = { ours: [], reference: [] };
  const offset = options.oursFirst === false ? 1 : 0;
  for (let run = 0; run < options.runs; run += 1) {
    if ((run + offset) % 2 === 0) {
      samples.ours.push(await timeOnce(options.ours));
      samples.reference.push(await timeOnce(options.reference));
    } else {
      samples.reference.push(await timeOnce(options.reference));
      samples.ours.push(await timeOnce(options.ours));
    }
  }
  return samples;
}

/** Milliseconds one call takes until its promise settles. */
export async function timeOnce(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}
