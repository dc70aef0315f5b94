import { cpus, release, totalmem, type as osType } from 'node:os';

/** The machine a run measured, written into the results file and the docs. */
export interface MachineDescription {
  os: string;
  cpuModel: string;
  cpuCount: number;
  memoryGiB: number;
  nodeVersion: string;
  /** Database server versions by provider (e.g. `postgresql: "15.8"`); `unavailable: …` when not reachable. */
  databases: Record<string, string>;
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
  };
}

/** One markdown line about the machine, printed above the table. */
export function formatMachine(machine: MachineDescription): string {
  const databases = Object.entries(machine.databases)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  return (
    `${machine.cpuCount} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, ` +
    `Node ${machine.nodeVersion}; ${databases}`
  );
}
