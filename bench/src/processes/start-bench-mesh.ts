import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { DatabaseProvider } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { findFreePort } from './find-free-port.js';
import { agentYaml, gatewayYaml } from './mesh-config.js';
import { startNodeProcess, type NodeProcess } from './node-process.js';
import { waitUntilReady } from './wait-until-ready.js';

/** The CLI every process of the mesh runs (built code, like production). */
export const cliEntry = fileURLToPath(
  new URL('../../../packages/cli/dist/main.js', import.meta.url),
);

/** One agent of a bench mesh: the built-in `recall` model pausing `delayMs` between words. */
export interface BenchMeshAgentSpec {
  name: string;
  delayMs: number;
}

/** A running agent of a bench mesh. */
export interface BenchMeshAgent {
  name: string;
  url: string;
  process: NodeProcess;
}

/** Agents and a gateway routing to all of them, each its own child process and fresh database. */
export interface BenchMesh {
  gatewayUrl: string;
  gateway: NodeProcess;
  agents: BenchMeshAgent[];
  /** Every database of the mesh, agents' first (on SQLite, file paths). */
  databaseNames: string[];
  /** Stops every process and drops the databases. */
  stop(): Promise<void>;
}

/**
 * Starts the agents and a gateway as child processes (`agent-mesh agent|gateway --config`) on free
 * ports, each with a fresh database of `provider`, and waits until every /readyz answers 200.
 * `nodeArgs` go before the CLI of every process (e.g. CPU profiling).
 */
export async function startBenchMesh(options: {
  provider: DatabaseProvider;
  agents: readonly BenchMeshAgentSpec[];
  nodeArgs?: readonly string[];
}): Promise<BenchMesh> {
  const folder = mkdtempSync(join(tmpdir(), 'agent-mesh-bench-'));
  const databases: TestDatabase[] = [];
  const processes: NodeProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((child) => child.stop()));
    for (const database of databases) await database.drop().catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
  };
  const newDatabaseUrl = async (): Promise<string> => {
    const created = await createTestDatabase(options.provider);
    databases.push(created);
    return created.url;
  };
  const env = { ...process.env, LOG_LEVEL: 'warn' };
  const start = (name: string, command: string, file: string): NodeProcess => {
    const child = startNodeProcess({
      name,
      args: [...(options.nodeArgs ?? []), cliEntry, command, '--config', file],
      cwd: folder,
      env,
    });
    processes.push(child);
    return child;
  };
  try {
    const planned = [];
    for (const agent of options.agents) {
      const port = await findFreePort();
      planned.push({ ...agent, port, databaseUrl: await newDatabaseUrl() });
    }
    const gatewayPort = await findFreePort();
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const gatewayDatabaseUrl = await newDatabaseUrl();
    const startedAt = performance.now();
    const agents = planned.map((agent): BenchMeshAgent => {
      const file = join(folder, `${agent.name}.yaml`);
      writeFileSync(file, agentYaml(agent));
      return {
        name: agent.name,
        url: `http://127.0.0.1:${agent.port}`,
        process: start(`agent ${agent.name}`, 'agent', file),
      };
    });
    const gatewayFile = join(folder, 'gateway.yaml');
    writeFileSync(
      gatewayFile,
      gatewayYaml({
        port: gatewayPort,
        databaseUrl: gatewayDatabaseUrl,
        agents: agents.map((agent) => ({ name: agent.name, url: agent.url })),
      }),
    );
    const gateway = start('gateway', 'gateway', gatewayFile);
    await waitUntilReady(
      [...agents.map((agent) => `${agent.url}/readyz`), `${gatewayUrl}/readyz`],
      processes,
      startedAt,
      60_000,
    );
    return {
      gatewayUrl,
      gateway,
      agents,
      databaseNames: databases.map((database) => database.name),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
