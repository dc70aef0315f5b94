import { describe, expect, it } from 'vitest';
import { readPeakRssMiB, readRssMiB } from './peak-rss.js';

describe('readPeakRssMiB', () => {
  it('reads the peak RSS of this process, at least its current heap', () => {
    const peak = readPeakRssMiB(process.pid);
    expect(peak).not.toBeNull();
    expect(peak as number).toBeGreaterThanOrEqual(process.memoryUsage().heapUsed / 1024 / 1024);
  });

  it('returns null for a process that does not exist', () => {
    expect(readPeakRssMiB(2 ** 22 + 12345)).toBeNull();
  });
});

describe('readRssMiB', () => {
  it('reads the current RSS of this process: at least its heap, at most its peak', () => {
    const current = readRssMiB(process.pid);
    expect(current).not.toBeNull();
    expect(current as number).toBeGreaterThanOrEqual(process.memoryUsage().heapUsed / 1024 / 1024);
    expect(current as number).toBeLessThanOrEqual(readPeakRssMiB(process.pid) as number);
  });

  it('returns null for a process that does not exist', () => {
    expect(readRssMiB(2 ** 22 + 12345)).toBeNull();
  });
});
