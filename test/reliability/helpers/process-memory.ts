import { readFileSync } from 'node:fs';

/** Memory of one process in MiB, from /proc/<pid>/status: resident now and the peak since it started. */
export interface ProcessMemory {
  rssMiB: number;
  peakRssMiB: number;
}

function readKb(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`/proc status has no ${field} line`);
  return Number(match[1]);
}

/** Reads VmRSS and VmHWM (peak resident set) of a running process (Linux only). */
export function readProcessMemory(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const round = (kb: number): number => Math.round((kb / 1024) * 10) / 10;
  return { rssMiB: round(readKb(status, 'VmRSS')), peakRssMiB: round(readKb(status, 'VmHWM')) };
}
