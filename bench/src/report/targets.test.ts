import { describe, expect, it } from 'vitest';
import { createRow } from './bench-row.js';

const base = {
  group: 'session-store' as const,
  name: 'x',
  database: 'sqlite',
  unit: 'ms',
  better: 'lower' as const,
};

describe('targets', () => {
  it('compares a ratio target with value ÷ reference', () => {
    const row = createRow({
      ...base,
      value: 3,
      reference: { label: 'raw', value: 2 },
      target: { kind: 'ratio-at-most', limit: 1.5 },
    });
    expect(row.ratio).toBe(1.5);
    expect(row.met).toBe(true);
    expect(row.targetText).toBe('≤ 1.5× ref');
  });

  it('compares an absolute target with the value itself', () => {
    const row = createRow({
      ...base,
      value: 3,
      reference: null,
      target: { kind: 'below', limit: 3 },
    });
    expect(row.met).toBe(false);
    expect(row.targetText).toBe('< 3 ms');
  });

  it('leaves met empty when there is no target', () => {
    const row = createRow({ ...base, value: 1, reference: { label: 'raw', value: 1 } });
    expect(row.met).toBeNull();
    expect(row.targetText).toBeNull();
  });
});
