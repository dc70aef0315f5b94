import { readFileSync } from 'node:fs';

/** /proc reports CPU times in USER_HZ ticks, 100 per second on Linux whatever the kernel's HZ. */
const ticksPerSecond = 100;

/**
 * CPU time (user + system) a live process has used so far, in ms, from /proc/<pid>/stat; null where /proc
 * is missing. Unlike wall time it does not grow when other work on the machine steals the cores.
 */
export function readCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at field 3, `state`.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const user = Number(fields[11]);
    const system = Number(fields[12]);
    return Number.isFinite(user) && Number.isFinite(system)
      ? ((user + system) * 1000) / ticksPerSecond
      : null;
  } catch {
    return null;
  }
}
