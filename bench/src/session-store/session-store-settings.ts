import type { ReadRuns } from './measure-reads.js';

/** Sizes and repetitions of the session-store benchmarks; the issue fixes the sizes, runs trade time for noise. */
export interface SessionStoreSettings {
  sequentialEvents: number;
  sequentialWarmup: number;
  concurrentSessions: number;
  eventsPerSession: number;
  concurrentRounds: number;
  /** Session lengths loadForTurn is timed at; the first is the base of the flatness check. */
  loadSizes: number[];
  /** Events after the compaction in every seeded session. */
  liveWindow: number;
  loadRuns: ReadRuns;
  historyEvents: number;
  historyRuns: ReadRuns;
  listedSessions: number;
  listLimit: number;
  listRuns: ReadRuns;
}

/** The quick settings (`pnpm bench`, minutes) or the full ones (`--full`: adds 100,000 events, more runs). */
export function sessionStoreSettings(full: boolean): SessionStoreSettings {
  return {
    sequentialEvents: 2000,
    sequentialWarmup: 20,
    concurrentSessions: 50,
    eventsPerSession: 40,
    concurrentRounds: full ? 3 : 1,
    loadSizes: full ? [100, 1000, 10_000, 100_000] : [100, 1000, 10_000],
    liveWindow: 20,
    loadRuns: full ? { warmup: 10, runs: 300 } : { warmup: 5, runs: 50 },
    historyEvents: 10_000,
    historyRuns: { warmup: 2, runs: full ? 30 : 10 },
    listedSessions: 1000,
    listLimit: 20,
    listRuns: full ? { warmup: 10, runs: 500 } : { warmup: 5, runs: 100 },
  };
}
