import { createRow, createUnavailableRow, type BenchRow } from '../report/bench-row.js';
import { summarize } from '../report/stats.js';
import type { CompactionBenchResult } from './run-compaction-bench.js';

/**
 * Turns compaction results into table rows: one compactSession on the session, beside loadForTurn on
 * the same session (the read it cannot avoid), so the ratio shows what summarising and writing add.
 */
export function compactionRows(results: readonly CompactionBenchResult[]): BenchRow[] {
  return results.map((result) => {
    const name = `compaction, ${result.events.toLocaleString('en-US')} events (${result.scenario === 'uncompacted' ? 'never compacted' : 'earlier summary'})`;
    const base = {
      group: 'compaction' as const,
      name,
      database: result.database,
      unit: 'ms',
      better: 'lower' as const,
    };
    if (result.error !== undefined || result.compactMs.length === 0) {
      return createUnavailableRow({ ...base, reason: result.error ?? 'no runs' });
    }
    const compact = summarize(result.compactMs);
    const load = summarize(result.loadMs);
    return createRow({
      ...base,
      value: compact.p50,
      summary: compact,
      reference: { label: 'loadForTurn of the same session', value: load.p50, summary: load },
      details: { liveEvents: result.liveEvents, turnsCompacted: result.turnsCompacted },
    });
  });
}
