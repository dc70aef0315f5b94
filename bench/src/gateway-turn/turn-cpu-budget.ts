/** Where the database work of a turn runs: inside gateway and agent (SQLite) or in a server. */
export type DatabaseServerCpu = 'in-process' | 'measured' | 'not measured';

/** What a turn costs in CPU, summed over processes, and the throughput that cost allows. */
export interface TurnCpuBudget {
  cores: number;
  databaseServer: DatabaseServerCpu;
  /** gateway + agent + database server: what a deployment spends per turn. */
  deploymentMsPerTurn: number;
  /** The deployment plus the bench client that plays the browsers. */
  allMsPerTurn: number;
  /** cores × 1000 ÷ deploymentMsPerTurn: turns/s if the machine ran nothing but the deployment. */
  ceilingWithoutClient: number;
  /** cores × 1000 ÷ allMsPerTurn: turns/s this machine can reach running the bench client too. */
  ceilingWithClient: number;
  /** The whole machine's busy CPU ms per turn over the run, everyone's work; absent without /proc/stat. */
  machineMsPerTurn?: number;
  /** machineMsPerTurn − allMsPerTurn: what other work on the shared machine took from the run. */
  othersMsPerTurn?: number;
  /** The share of the machine's CPU time that no process used during the run. */
  machineIdleShare?: number;
}

const deploymentProcesses = ['gateway', 'agent', 'database'] as const;

/**
 * Sums CPU ms per turn by process (`gateway`, `agent`, `database`, `client`) and turns the sums into
 * ceilings on `cores` cores; with `machine` (and `machineIdle`), also what the rest of the machine used.
 * null when no deployment process was measured.
 */
export function turnCpuBudget(
  cpuMsPerTurn: Readonly<Record<string, number>>,
  cores: number,
  databaseServer: DatabaseServerCpu,
): TurnCpuBudget | null {
  const deploymentMsPerTurn = deploymentProcesses.reduce(
    (total, name) => total + (cpuMsPerTurn[name] ?? 0),
    0,
  );
  if (deploymentMsPerTurn <= 0 || cores <= 0) return null;
  const allMsPerTurn = deploymentMsPerTurn + (cpuMsPerTurn.client ?? 0);
  const machine = cpuMsPerTurn.machine;
  const idle = cpuMsPerTurn.machineIdle ?? 0;
  const machineFigures =
    machine === undefined
      ? {}
      : {
          machineMsPerTurn: machine,
          othersMsPerTurn: Math.max(0, machine - allMsPerTurn),
          machineIdleShare: idle / (machine + idle),
        };
  return {
    cores,
    databaseServer,
    deploymentMsPerTurn,
    allMsPerTurn,
    ceilingWithoutClient: (cores * 1000) / deploymentMsPerTurn,
    ceilingWithClient: (cores * 1000) / allMsPerTurn,
    ...machineFigures,
  };
}
