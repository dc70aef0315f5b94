import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';

/** The machine a run measured, written into the results file and the docs. */
export interface MachineDescription {
  os: string;
  cpuModel: string;
  cpuCount: number;
  memoryGiB: number;
  nodeVersion: string;
  /** Database server versions by provider (e.g. `postgresql: "15.8"`); `unavailable: …` when not reachable. */
  databases: Record<string, string>;
  /**
   * 1-minute load average when the run started and when it ended: other work on the machine slows ours and
   * the reference alike (they are interleaved), but it moves absolute figures.
   */
  loadAverage: { start: number; end?: number };
}

/** The 1-minute load average now, rounded to two decimals. */
export function readLoadAverage(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

/** Describes this machine (OS, CPUs, memory, Node) plus the database versions the run found. */
export function describeMachine(databases: Record<string, string>): MachineDescription {
  const processors = cpus();
  return {
    os: `${osType()} ${release()}`,
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cpuCount: processors.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    nodeVersion: process.version,
    databases,
    loadAverage: { start: readLoadAverage() },
  };
}

/** One markdown line about the machine, printed above the table. */
export function formatMachine(machine: MachineDescription): string {
  const databases = Object.entries(machine.databases)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const load = machine.loadAverage;
  return (
    `${machine.cpuCount} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, ` +
    `Node ${machine.nodeVersion}; ${databases}; load average ${load.start}` +
    (load.end === undefined ? '' : ` at the start, ${load.end} at the end`)
  );
}
