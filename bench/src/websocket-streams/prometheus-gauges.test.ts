import { describe, expect, it } from 'vitest';
import { isHeapSettled, readGauges, youngGenerationTotal } from './prometheus-gauges.js';

describe('readGauges', () => {
  it('reads the unlabelled samples asked for and skips comments, labels and other names', () => {
    const text = [
      '# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.',
      '# TYPE nodejs_heap_size_used_bytes gauge',
      'nodejs_heap_size_used_bytes 123456',
      'nodejs_heap_space_size_used_bytes{space="new"} 99',
      'nodejs_external_memory_bytes 4.5e6',
      'process_resident_memory_bytes 7',
      '',
    ].join('\n');
    expect(
      readGauges(text, [
        'nodejs_heap_size_used_bytes',
        'nodejs_external_memory_bytes',
        'nodejs_heap_size_total_bytes',
      ]),
    ).toEqual({ nodejs_heap_size_used_bytes: 123456, nodejs_external_memory_bytes: 4.5e6 });
  });

  it('reads a labelled sample named with its labels', () => {
    const text = 'nodejs_heap_space_size_total_bytes{space="new"} 33554432\n';
    expect(readGauges(text, ['nodejs_heap_space_size_total_bytes{space="new"}'])).toEqual({
      'nodejs_heap_space_size_total_bytes{space="new"}': 33554432,
    });
  });
});

describe('isHeapSettled', () => {
  const mib = 1024 * 1024;
  const heap = (used: number, total: number, young: number): Record<string, number> => ({
    nodejs_heap_size_used_bytes: used * mib,
    nodejs_heap_size_total_bytes: total * mib,
    [youngGenerationTotal]: young * mib,
  });

  it('is settled when the young generation shrank and the heap reserved is near the heap in use', () => {
    expect(isHeapSettled(heap(34, 37, 1))).toBe(true);
    expect(isHeapSettled(heap(54, 140, 1))).toBe(false);
    expect(isHeapSettled(heap(54, 140, 1), 3)).toBe(true);
    // Right after a burst: little slack, but the young generation is still grown.
    expect(isHeapSettled(heap(101, 131, 32))).toBe(false);
  });

  it('is not settled without the figures', () => {
    expect(isHeapSettled({})).toBe(false);
  });
});
