import { resolve } from 'node:path';
import type { DatabaseProvider } from '@agent-mesh/shared';
import type { NodeProcess } from '../processes/node-process.js';
import { startBenchMesh } from '../processes/start-bench-mesh.js';

/** The agent name the benchmark talks to. */
export const meshAgentName = 'assistant';

/** A running agent and gateway on one database provider, each its own process and database. */
export interface RunningMesh {
  gatewayUrl: string;
  agentUrl: string;
  gateway: NodeProcess;
  agent: NodeProcess;
  /** The agent's and the gateway's database names (on SQLite, file paths). */
  databaseNames: string[];
  /** Stops both processes and drops their databases. */
  stop(): Promise<void>;
}

/**
 * Starts a real agent (built-in model, no delay) and a real gateway as child processes on free ports,
 * each with a fresh database of the given provider, and waits until both /readyz answer 200.
 */
export async function startMesh(provider: DatabaseProvider): Promise<RunningMesh> {
  const mesh = await startBenchMesh({
    provider,
    agents: [{ name: meshAgentName, delayMs: 0 }],
    nodeArgs: cpuProfileArgs(),
  });
  const agent = mesh.agents[0]!;
  return {
    gatewayUrl: mesh.gatewayUrl,
    agentUrl: agent.url,
    gateway: mesh.gateway,
    agent: agent.process,
    databaseNames: mesh.databaseNames,
    stop: mesh.stop,
  };
}

/**
 * `BENCH_CPU_PROF=<dir>` makes the agent and gateway write V8 CPU profiles (.cpuprofile, one per process,
 * on exit) into that folder, to see where the CPU of a turn goes.
 */
function cpuProfileArgs(): string[] {
  const folder = process.env.BENCH_CPU_PROF;
  return folder ? ['--cpu-prof', `--cpu-prof-dir=${resolve(folder)}`] : [];
}
