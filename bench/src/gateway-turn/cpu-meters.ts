import { readCpuMs, ticksToMs } from '../processes/cpu-time.js';
import { readMachineCpu } from '../processes/machine-cpu.js';
import { postgresCpuBetween, snapshotPostgresCpu } from '../processes/postgres-server-cpu.js';

/**
 * Measures CPU time over a span: `start()` reads the counters and returns the function that, at the end,
 * gives the CPU ms used since, under one or more names (none when it could not measure).
 */
export interface CpuMeter {
  start(): () => Record<string, number>;
}

/** CPU time of one child process (gateway, agent) from /proc/<pid>/stat. */
export function processCpuMeter(name: string, pid: number): CpuMeter {
  return {
    start() {
      const before = readCpuMs(pid);
      return () => {
        const after = readCpuMs(pid);
        return before === null || after === null ? {} : { [name]: after - before };
      };
    },
  };
}

/** CPU time of this process, the bench client that drives the turns (process.cpuUsage, µs). */
export function benchClientCpuMeter(name = 'client'): CpuMeter {
  return {
    start() {
      const before = process.cpuUsage();
      return () => {
        const used = process.cpuUsage(before);
        return { [name]: (used.user + used.system) / 1000 };
      };
    },
  };
}

/**
 * CPU time of a local PostgreSQL server for the given databases: `database` is their backends plus the
 * background processes every database shares; `databaseOtherBackends` is the other databases' backends
 * (other users of a shared server), kept apart. Nothing when /proc shows no PostgreSQL.
 */
export function postgresServerCpuMeter(databases: readonly string[]): CpuMeter {
  return {
    start() {
      const before = snapshotPostgresCpu(databases);
      return (): Record<string, number> => {
        const after = snapshotPostgresCpu(databases);
        if (before === null || after === null) return {};
        const used = postgresCpuBetween(before, after);
        return { database: used.ours + used.server, databaseOtherBackends: used.other };
      };
    },
  };
}

/**
 * The whole machine over the span (/proc/stat, summed over cores): `machine` is the CPU ms every process
 * used, ours and everyone else's, and `machineIdle` the CPU ms no process used.
 */
export function machineCpuMeter(): CpuMeter {
  return {
    start() {
      const before = readMachineCpu();
      return (): Record<string, number> => {
        const after = readMachineCpu();
        if (before === null || after === null) return {};
        return {
          machine: ticksToMs(after.busy - before.busy),
          machineIdle: ticksToMs(after.idle - before.idle),
        };
      };
    },
  };
}
