import { performance } from 'node:perf_hooks';

/** What a concurrent run took: wall time and each operation's latency, in milliseconds. */
export interface ConcurrentRun {
  elapsedMs: number;
  latenciesMs: number[];
}

/**
 * Runs `workers` async workers at once; worker w performs `operationsPerWorker` operations one after the
 * other (`operation(w, i)`). Returns the wall time of the whole run and every operation's latency.
 */
export async function runConcurrently(
  workers: number,
  operationsPerWorker: number,
  operation: (worker: number, index: number) => Promise<unknown>,
): Promise<ConcurrentRun> {
  const latenciesMs: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let index = 0; index < operationsPerWorker; index += 1) {
        const begin = performance.now();
        await operation(worker, index);
        latenciesMs.push(performance.now() - begin);
      }
    }),
  );
  return { elapsedMs: performance.now() - start, latenciesMs };
}
