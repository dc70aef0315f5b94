import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchRow } from './bench-row.js';
import type { MachineDescription } from './describe-machine.js';

/** Everything one run wrote: when, how (quick or full), where, and every row with its reference and target. */
export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  mode: 'quick' | 'full';
  machine: MachineDescription;
  rows: BenchRow[];
}

/** A file name that sorts by time and is valid everywhere, e.g. `2026-11-21T03-59-38Z.json`. */
export function resultsFileName(startedAt: Date): string {
  return `${startedAt
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-')}.json`;
}

/** Writes the results as pretty JSON into `folder` (created if missing) and returns the file path. */
export function writeResults(folder: string, results: BenchResults): string {
  mkdirSync(folder, { recursive: true });
  const file = join(folder, resultsFileName(new Date(results.startedAt)));
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}
