import { describe, expect, it } from 'vitest';
import { clockTicksPerSecond, parseProcStat, readCpuMs, ticksToMs } from './cpu-time.js';

describe('parseProcStat', () => {
  it('reads the command and user + system ticks, even with spaces and parentheses in the name', () => {
    const line =
      '42 (postgres: a (b)) S 1 42 42 0 -1 4194560 100 0 0 0 250 75 3 4 20 0 1 0 9 1000 10';
    expect(parseProcStat(line)).toEqual({ command: 'postgres: a (b)', ticks: 325 });
  });

  it('returns null for a line that is not a stat line', () => {
    expect(parseProcStat('nonsense')).toBeNull();
    expect(parseProcStat('1 (x) S 1')).toBeNull();
  });
});

describe('readCpuMs', () => {
  it('grows while this process burns CPU', () => {
    const before = readCpuMs(process.pid) as number;
    const until = Date.now() + 100;
    while (Date.now() < until) Math.sqrt(Math.random());
    expect((readCpuMs(process.pid) as number) - before).toBeGreaterThan(0);
  });

  it('converts clock ticks with the system’s tick rate', () => {
    expect(ticksToMs(clockTicksPerSecond())).toBe(1000);
  });
});
