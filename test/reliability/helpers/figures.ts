import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../e2e/helpers/index.js';
import { fullMode } from './reliability-mode.js';

/** Where each reliability test writes its figures (gitignored; docs/reliability.md is refreshed from it). */
export const figuresDir = join(repoRoot, 'test/artifacts/reliability');

/** Figures of one reliability test: counts, timings and memory, plain JSON values only. */
export type Figures = Record<string, unknown>;

/**
 * Writes `test/artifacts/reliability/<test>.json` with the mode (ci or full), the time of the run and the
 * figures, so `npx tsx test/reliability/report.ts` can print them and refresh docs/reliability.md.
 */
export function writeFigures(test: string, figures: Figures): string {
  mkdirSync(figuresDir, { recursive: true });
  const file = join(figuresDir, `${test}.json`);
  const record = {
    test,
    mode: fullMode ? 'full' : 'ci',
    finishedAt: new Date().toISOString(),
    ...figures,
  };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}
