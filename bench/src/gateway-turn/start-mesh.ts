import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { DatabaseProvider } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { findFreePort } from '../processes/find-free-port.js';
import { agentYaml, gatewayYaml } from '../processes/mesh-config.js';
import { startNodeProcess, type NodeProcess } from '../processes/node-process.js';
import { waitUntilReady } from '../processes/wait-until-ready.js';

/** The CLI every process of the mesh runs (built code, like production). */
export const cliEntry = fileURLToPath(
  new URL('../../../packages/cli/dist/main.js', import.meta.url),
);

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
  const folder = mkdtempSync(join(tmpdir(), 'agent-mesh-bench-'));
  const databases: TestDatabase[] = [];
  const processes: NodeProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((child) => child.stop()));
    for (const database of databases) await database.drop().catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    const agentDatabase = await createTestDatabase(provider);
    databases.push(agentDatabase);
    const gatewayDatabase = await createTestDatabase(provider);
    databases.push(gatewayDatabase);
    const [agentPort, gatewayPort] = [await findFreePort(), await findFreePort()];
    const agentUrl = `http://127.0.0.1:${agentPort}`;
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const agentFile = join(folder, 'agent.yaml');
    const gatewayFile = join(folder, 'gateway.yaml');
    writeFileSync(
      agentFile,
      agentYaml({
        name: meshAgentName,
        port: agentPort,
        delayMs: 0,
        databaseUrl: agentDatabase.url,
      }),
    );
    writeFileSync(
      gatewayFile,
      gatewayYaml({
        port: gatewayPort,
        databaseUrl: gatewayDatabase.url,
        agents: [{ name: meshAgentName, url: agentUrl }],
      }),
    );
    const env = { ...process.env, LOG_LEVEL: 'warn' };
    const profile = cpuProfileArgs();
    const startedAt = performance.now();
    const agent = startNodeProcess({
      name: 'agent',
      args: [...profile, cliEntry, 'agent', '--config', agentFile],
      cwd: folder,
      env,
    });
    processes.push(agent);
    const gateway = startNodeProcess({
      name: 'gateway',
      args: [...profile, cliEntry, 'gateway', '--config', gatewayFile],
      cwd: folder,
      env,
    });
    processes.push(gateway);
    await waitUntilReady(
      [`${agentUrl}/readyz`, `${gatewayUrl}/readyz`],
      processes,
      startedAt,
      60_000,
    );
    return {
      gatewayUrl,
      agentUrl,
      gateway,
      agent,
      databaseNames: databases.map((database) => database.name),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * `BENCH_CPU_PROF=<dir>` makes the agent and gateway write V8 CPU profiles (.cpuprofile, one per process,
 * on exit) into that folder, to see where the CPU of a turn goes.
 */
function cpuProfileArgs(): string[] {
  const folder = process.env.BENCH_CPU_PROF;
  return folder ? ['--cpu-prof', `--cpu-prof-dir=${resolve(folder)}`] : [];
}
