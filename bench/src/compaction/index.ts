// The compaction benchmark: how long compactSession takes on a 10,000-event session per database.
export { runCompactionBench } from './run-compaction-bench.js';
export type {
  CompactionBenchOptions,
  CompactionBenchResult,
  CompactionScenario,
} from './run-compaction-bench.js';
export { formatCompactionResults } from './format-compaction-results.js';
export { seedLongSession } from './seed-long-session.js';
export type { SeedLongSessionOptions, SeededLongSession } from './seed-long-session.js';
