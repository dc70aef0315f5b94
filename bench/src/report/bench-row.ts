import type { Summary } from './stats.js';
import { describeTarget, isTargetMet, type Target } from './targets.js';

/** Which part of the system a row measures. */
export type BenchGroup =
  'session-store' | 'gateway-turn' | 'startup' | 'compaction' | 'scale' | 'websocket-streams';

/** The figure a row is compared with, measured in the same run in the same unit. */
export interface Reference {
  /** What it is, e.g. `raw pg INSERT` or `agent A2A message/send`. */
  label: string;
  value: number;
  summary?: Summary;
}

/** One line of the table and of the results file: a figure, its reference, their ratio, the target. */
export interface BenchRow {
  group: BenchGroup;
  /** What was measured, e.g. `append sequential (2,000 events)`. */
  name: string;
  /** `sqlite`, `postgresql`, `mysql`, or `-` when no database is involved. */
  database: string;
  unit: string;
  /** Whether a larger value is better (throughput) or worse (time, memory). */
  better: 'higher' | 'lower';
  /** Ours; null when the benchmark could not run (see note). */
  value: number | null;
  summary?: Summary;
  reference: Reference | null;
  /** value ÷ reference.value. */
  ratio: number | null;
  target: Target | null;
  /** The target in words, as printed. */
  targetText: string | null;
  /** null when there is no target or nothing was measured. */
  met: boolean | null;
  note?: string;
  /** Anything else worth keeping in the results file (counts, page sizes, concurrency). */
  details?: Record<string, unknown>;
}

/** What createRow needs; ratio, targetText and met are derived. */
export interface RowInput {
  group: BenchGroup;
  name: string;
  database: string;
  unit: string;
  better: 'higher' | 'lower';
  value: number;
  summary?: Summary;
  reference: Reference | null;
  target?: Target;
  note?: string;
  details?: Record<string, unknown>;
}

/** Builds a measured row: the ratio to its reference, the target in words and whether it is met. */
export function createRow(input: RowInput): BenchRow {
  const ratio =
    input.reference !== null && input.reference.value > 0
      ? input.value / input.reference.value
      : null;
  const target = input.target ?? null;
  return {
    ...input,
    ratio,
    target,
    targetText: target === null ? null : describeTarget(target, input.unit),
    met: target === null ? null : isTargetMet(target, input.value, ratio),
  };
}

/** Builds the row of a benchmark that could not run, saying why (e.g. the gateway is not built yet). */
export function createUnavailableRow(
  input: Pick<RowInput, 'group' | 'name' | 'database' | 'unit' | 'better' | 'target'> & {
    reason: string;
  },
): BenchRow {
  const target = input.target ?? null;
  return {
    group: input.group,
    name: input.name,
    database: input.database,
    unit: input.unit,
    better: input.better,
    value: null,
    reference: null,
    ratio: null,
    target,
    targetText: target === null ? null : describeTarget(target, input.unit),
    met: null,
    note: `not available: ${input.reason}`,
  };
}
