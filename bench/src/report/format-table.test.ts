import { describe, expect, it } from 'vitest';
import { createRow, createUnavailableRow } from './bench-row.js';
import { formatNumber, formatTable } from './format-table.js';

describe('formatNumber', () => {
  it('keeps three significant digits for small values and groups thousands', () => {
    expect(formatNumber(0.01234)).toBe('0.0123');
    expect(formatNumber(2.5)).toBe('2.50');
    expect(formatNumber(12.34)).toBe('12.3');
    expect(formatNumber(123.4)).toBe('123');
    expect(formatNumber(12345.6)).toBe('12,346');
  });
});

describe('formatTable', () => {
  it('prints ours, the reference, the ratio, the target and whether it is met', () => {
    const row = createRow({
      group: 'session-store',
      name: 'append sequential',
      database: 'postgresql',
      unit: 'events/s',
      better: 'higher',
      value: 600,
      reference: { label: 'raw pg', value: 1000 },
      target: { kind: 'ratio-at-least', limit: 0.7 },
    });
    const table = formatTable([row]);
    expect(table).toContain(
      '| append sequential | postgresql | 600 events/s | 1,000 events/s (raw pg) | 0.60× | ≥ 0.7× ref | **missed** |',
    );
  });

  it('turns a note into a numbered footnote and marks an unavailable row n/a', () => {
    const row = createUnavailableRow({
      group: 'gateway-turn',
      name: 'turn p50',
      database: 'sqlite',
      unit: 'ms',
      better: 'lower',
      target: { kind: 'below', limit: 10 },
      reason: 'the gateway is not built',
    });
    const table = formatTable([row, { ...row, database: 'postgresql' }]);
    expect(table).toContain('| turn p50 [1] | sqlite | n/a | — | — | < 10 ms | n/a |');
    expect(table).toContain('| turn p50 [1] | postgresql | n/a | — | — | < 10 ms | n/a |');
    expect(table).toContain('\n\n[1] not available: the gateway is not built');
    expect(table).not.toContain('[2]');
  });
});
