import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRow } from './bench-row.js';
import { describeMachine } from './describe-machine.js';
import { resultsFileName, writeResults } from './write-results.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('writeResults', () => {
  it('names the file after the start time and keeps every row with its reference and target', () => {
    const folder = mkdtempSync(join(tmpdir(), 'bench-results-'));
    folders.push(folder);
    const row = createRow({
      group: 'startup',
      name: 'start to ready',
      database: '-',
      unit: 's',
      better: 'lower',
      value: 2,
      reference: { label: 'bare node', value: 0.1 },
      target: { kind: 'below', limit: 3 },
    });
    const file = writeResults(join(folder, 'results'), {
      startedAt: '2026-11-21T03:59:38.123Z',
      finishedAt: '2026-11-21T04:01:00.000Z',
      mode: 'quick',
      machine: describeMachine({ sqlite: '3.50.0' }),
      rows: [row],
    });
    expect(file).toBe(join(folder, 'results', '2026-11-21T03-59-38Z.json'));
    const written = JSON.parse(readFileSync(file, 'utf8')) as { rows: (typeof row)[] };
    expect(written.rows[0]).toMatchObject({ ratio: 20, met: true, targetText: '< 3 s' });
  });

  it('makes names that contain no colon', () => {
    expect(resultsFileName(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03-04-05Z.json');
  });
});
