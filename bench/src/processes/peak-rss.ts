import { readFileSync } from 'node:fs';

/**
 * Peak resident memory of a live process in MiB, from VmHWM in /proc/<pid>/status (Linux); null where
 * /proc is missing or the process is gone.
 */
export function readPeakRssMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    return match === null ? null : Number(match[1]) / 1024;
  } catch {
    return null;
  }
}
