import type { CompactionBenchResult } from './run-compaction-bench.js';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function ms(value: number): string {
  return Number.isNaN(value) ? '-' : value.toFixed(1);
}

/** Renders compaction bench results as a plain-text table: median, min and max ms per database and shape. */
export function formatCompactionResults(results: readonly CompactionBenchResult[]): string {
  const header = [
    'database',
    'session',
    'events',
    'live',
    'turns compacted',
    'compact ms (median)',
    'min',
    'max',
    'load ms (median)',
  ];
  const rows = results.map((result) =>
    result.error !== undefined
      ? [
          result.database,
          result.scenario,
          String(result.events),
          '-',
          '-',
          `not available: ${result.error}`,
          '',
          '',
          '',
        ]
      : [
          result.database,
          result.scenario,
          String(result.events),
          String(result.liveEvents),
          String(result.turnsCompacted),
          ms(median(result.compactMs)),
          ms(Math.min(...result.compactMs)),
          ms(Math.max(...result.compactMs)),
          ms(median(result.loadMs)),
        ],
  );
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}
