import { describe, expect, it } from 'vitest';
import { readPeakRssMiB } from './peak-rss.js';

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

describe('readCpuMs', () => {
  it('grows while this process burns CPU', async () => {
    const { readCpuMs } = await import('./cpu-time.js');
    const before = readCpuMs(process.pid) as number;
    const until = Date.now() + 100;
    while (Date.now() < until) Math.sqrt(Math.random());
    expect((readCpuMs(process.pid) as number) - before).toBeGreaterThan(0);
  });
});
