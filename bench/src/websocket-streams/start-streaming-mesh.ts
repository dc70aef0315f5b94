import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { cliEntry } from '../gateway-turn/start-mesh.js';
import { findFreePort } from '../processes/find-free-port.js';
import { agentYaml, gatewayYaml } from '../processes/mesh-config.js';
import { startNodeProcess, type NodeProcess } from '../processes/node-process.js';
import { waitUntilReady } from '../processes/wait-until-ready.js';

/** The agent that answers at once: it fills the gateway's history. */
export const fastAgentName = 'assistant';
/** The agent whose replies stream word by word for seconds: the streams being measured. */
export const slowAgentName = 'streamer';

/** A gateway on SQLite in front of two agents that differ only in their model's per-word delay. */
export interface StreamingMesh {
  gatewayUrl: string;
  gateway: NodeProcess;
  /** Stops every process and drops the databases. */
  stop(): Promise<void>;
}

/**
 * Starts two agents (built-in `recall` model; `assistant` with no delay, `streamer` pausing
 * `slowDelayMs` between words) and a gateway routing to both, each a child process with its own fresh
 * SQLite database, and waits until every /readyz answers 200. (The gateway-turn group's startMesh has one
 * agent with no delay, which streams a reply in one piece.)
 */
export async function startStreamingMesh(slowDelayMs: number): Promise<StreamingMesh> {
  const folder = mkdtempSync(join(tmpdir(), 'agent-mesh-ws-bench-'));
  const databases: TestDatabase[] = [];
  const processes: NodeProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(processes.map((child) => child.stop()));
    for (const database of databases) await database.drop().catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    const database = async (): Promise<string> => {
      const created = await createTestDatabase('sqlite');
      databases.push(created);
      return created.url;
    };
    const agents = [
      {
        name: fastAgentName,
        delayMs: 0,
        port: await findFreePort(),
        databaseUrl: await database(),
      },
      {
        name: slowAgentName,
        delayMs: slowDelayMs,
        port: await findFreePort(),
        databaseUrl: await database(),
      },
    ];
    const gatewayPort = await findFreePort();
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const gatewayDatabaseUrl = await database();
    const env = { ...process.env, LOG_LEVEL: 'warn' };
    const readyUrls = [`${gatewayUrl}/readyz`];
    const startedAt = performance.now();
    for (const agent of agents) {
      const file = join(folder, `${agent.name}.yaml`);
      writeFileSync(file, agentYaml(agent));
      processes.push(
        startNodeProcess({
          name: `agent ${agent.name}`,
          args: [cliEntry, 'agent', '--config', file],
          cwd: folder,
          env,
        }),
      );
      readyUrls.push(`http://127.0.0.1:${agent.port}/readyz`);
    }
    const gatewayFile = join(folder, 'gateway.yaml');
    writeFileSync(
      gatewayFile,
      gatewayYaml({
        port: gatewayPort,
        databaseUrl: gatewayDatabaseUrl,
        agents: agents.map((agent) => ({
          name: agent.name,
          url: `http://127.0.0.1:${agent.port}`,
        })),
      }),
    );
    const gateway = startNodeProcess({
      name: 'gateway',
      args: [cliEntry, 'gateway', '--config', gatewayFile],
      cwd: folder,
      env,
    });
    processes.push(gateway);
    await waitUntilReady(readyUrls, processes, startedAt, 60_000);
    return { gatewayUrl, gateway, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
