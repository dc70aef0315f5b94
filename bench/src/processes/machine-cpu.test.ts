import { describe, expect, it } from 'vitest';
import { parseMachineCpu, readMachineCpu } from './machine-cpu.js';

describe('parseMachineCpu', () => {
  it('counts idle and iowait as idle and the rest (guest aside) as busy', () => {
    const stat = 'cpu  100 5 40 1000 20 3 2 1 7 0\ncpu0 50 2 20 500 10 1 1 0 3 0\nintr 1 2 3\n';
    expect(parseMachineCpu(stat)).toEqual({ busy: 151, idle: 1020 });
  });

  it('returns null without a cpu line', () => {
    expect(parseMachineCpu('intr 1 2 3\n')).toBeNull();
  });
});

describe('readMachineCpu', () => {
  it('reads counters that only grow', () => {
    const before = readMachineCpu();
    const after = readMachineCpu();
    expect(before).not.toBeNull();
    expect(after?.busy).toBeGreaterThanOrEqual(before?.busy ?? 0);
  });
});
