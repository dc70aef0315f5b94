import { readFileSync } from 'node:fs';

/**
 * Peak resident memory of a live process in MiB, from VmHWM in /proc/<pid>/status (Linux); null where
 * /proc is missing or the process is gone.
 */
export function readPeakRssMiB(pid: number): number | null {
  return readStatusKiB(pid, 'VmHWM');
}

/**
 * Current resident memory of a live process in MiB, from VmRSS in /proc/<pid>/status (Linux); null where
 * /proc is missing or the process is gone.
 */
export function readRssMiB(pid: number): number | null {
  return readStatusKiB(pid, 'VmRSS');
}

function readStatusKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    // /proc writes "kB" but means KiB.
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
    return match === null ? null : Number(match[1]) / 1024;
  } catch {
    return null;
  }
}
