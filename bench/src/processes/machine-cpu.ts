import { readFileSync } from 'node:fs';

/** The whole machine's CPU time so far, summed over its cores, in clock ticks. */
export interface MachineCpuTicks {
  busy: number;
  idle: number;
}

/**
 * Parses the `cpu` line of /proc/stat (user nice system idle iowait irq softirq steal …): busy is every
 * field but idle and iowait (guest time is already inside user); null when there is no such line.
 */
export function parseMachineCpu(procStat: string): MachineCpuTicks | null {
  const line = /^cpu\s+(.*)$/m.exec(procStat)?.[1];
  if (line === undefined) return null;
  const fields = line.trim().split(/\s+/).slice(0, 8).map(Number);
  if (fields.length < 8 || fields.some((value) => !Number.isFinite(value))) return null;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait };
}

/** Reads the machine's CPU ticks from /proc/stat; null where /proc is missing. */
export function readMachineCpu(): MachineCpuTicks | null {
  try {
    return parseMachineCpu(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}
