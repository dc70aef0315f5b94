import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/**
 * /proc reports CPU times in clock ticks (USER_HZ): `getconf CLK_TCK`, 100 on Linux whatever the
 * kernel's HZ; 100 where getconf is missing.
 */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isInteger(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** What CPU accounting needs from one /proc/<pid>/stat line. */
export interface ProcStat {
  /** The command name (`comm`), at most 15 characters. */
  command: string;
  /** CPU time the process itself used, user + system, in clock ticks. */
  ticks: number;
}

/** Parses /proc/<pid>/stat; null when the line is not one. */
export function parseProcStat(stat: string): ProcStat | null {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  // Fields after the command name (which may contain spaces and parentheses) start at field 3, `state`.
  const fields = stat.slice(close + 2).split(' ');
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  if (fields[11] === undefined || fields[12] === undefined) return null;
  if (!Number.isFinite(user) || !Number.isFinite(system)) return null;
  return { command: stat.slice(open + 1, close), ticks: user + system };
}

/** Reads and parses /proc/<pid>/stat; null where /proc is missing or the process is gone. */
export function readProcStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Clock ticks as ms. */
export function ticksToMs(ticks: number): number {
  return (ticks * 1000) / clockTicksPerSecond();
}

/**
 * CPU time (user + system) a live process has used so far, in ms, from /proc/<pid>/stat; null where /proc
 * is missing. Unlike wall time it does not grow when other work on the machine steals the cores.
 */
export function readCpuMs(pid: number): number | null {
  const stat = readProcStat(pid);
  return stat === null ? null : ticksToMs(stat.ticks);
}
