import { openDatabase, type DatabaseProvider, type GatewayDatabase } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { randomUUID } from 'node:crypto';
import { createA2aClient, streamMessage } from './a2a-client.js';
import { startAgentProcess, type AgentProcess } from './agent-process.js';
import { fixturePath } from './fixtures.js';
import { getFreePort } from './free-port.js';
import { startGatewayProcess, type GatewayProcess } from './gateway-process.js';

/** What startScaleCluster builds. */
export interface ScaleClusterOptions {
  provider: DatabaseProvider;
  /** Pause between streamed words of the built-in model, so a reply lasts long enough to be cut. */
  modelDelayMs: number;
  /** gateway.live_updates.mode (default auto). */
  liveUpdatesMode?: 'auto' | 'notify' | 'poll';
  /** gateway.live_updates.poll_interval_ms (default 200). */
  pollIntervalMs?: number;
}

/**
 * Two gateway processes and two replicas of one agent (`assistant`, built-in model), every process on
 * its own port, the gateways sharing one database and the replicas another, as in a scaled-out
 * deployment. Replicas listen on fixed ports so a killed one comes back at the same URL.
 */
export interface ScaleCluster {
  provider: DatabaseProvider;
  gatewayDatabase: TestDatabase;
  agentDatabase: TestDatabase;
  gateways: [GatewayProcess, GatewayProcess];
  /** The replica processes by index; one being restarted is replaced when it is up again. */
  agents: AgentProcess[];
  agentUrls: [string, string];
  /** The gateway database, opened without migrating (for reading task metadata). */
  gatewayDb: GatewayDatabase;
  /** Index of the replica at a URL. */
  replicaIndexOf(url: string): number;
  /**
   * Starts replica `index` again at its URL, waits until it is ready and warms it up with two turns
   * sent to it directly, so it answers like a replica in steady state (JIT, database pool).
   */
  restartAgent(index: number): Promise<AgentProcess>;
  /** The agent replica URL recorded with a task by the gateway streaming it, once known. */
  servingReplicaOf(taskId: string): Promise<string | undefined>;
  /** Stops every process and drops both databases. */
  close(): Promise<void>;
}

/** Starts the databases, both replicas and both gateways (gateways concurrently, as in a rollout). */
export async function startScaleCluster(options: ScaleClusterOptions): Promise<ScaleCluster> {
  const gatewayDatabase = await createTestDatabase(options.provider);
  const agentDatabase = await createTestDatabase(options.provider);
  const ports = [await getFreePort(), await getFreePort()];
  const agentUrls: [string, string] = [
    `http://127.0.0.1:${ports[0]}`,
    `http://127.0.0.1:${ports[1]}`,
  ];
  const agentEnv = (index: number): Record<string, string> => ({
    AGENT_DATABASE_URL: agentDatabase.url,
    MODEL_DELAY_MS: String(options.modelDelayMs),
    AGENT_PORT: String(ports[index]),
  });
  const startAgent = (index: number): Promise<AgentProcess> =>
    startAgentProcess(fixturePath('agents/recall-sql.yaml'), { env: agentEnv(index) });
  const warmUp = async (index: number): Promise<void> => {
    const client = await createA2aClient(agentUrls[index]!);
    const contextId = `web-session-${randomUUID()}`;
    for (const text of ['My name is Warm.', 'What is my name?']) {
      await streamMessage(client, { contextId, text, metadata: { userId: 'warm-up' } });
    }
  };
  // The first replica migrates the database; the second finds it ready.
  const agents = [await startAgent(0)];
  agents.push(await startAgent(1));
  await Promise.all([warmUp(0), warmUp(1)]);
  const gatewayEnv = (name: string): Record<string, string> => ({
    GATEWAY_DATABASE_URL: gatewayDatabase.url,
    AGENT_URL_1: agentUrls[0],
    AGENT_URL_2: agentUrls[1],
    AGENT_MESH_GATEWAY_ID: name,
    LIVE_UPDATES_MODE: options.liveUpdatesMode ?? 'auto',
    LIVE_UPDATES_POLL_MS: String(options.pollIntervalMs ?? 200),
  });
  const gateways = (await Promise.all([
    startGatewayProcess(fixturePath('gateway/gateway-replicas.yaml'), {
      env: gatewayEnv('gateway-a'),
    }),
    startGatewayProcess(fixturePath('gateway/gateway-replicas.yaml'), {
      env: gatewayEnv('gateway-b'),
    }),
  ])) as [GatewayProcess, GatewayProcess];
  const gatewayDb = await openDatabase({
    url: gatewayDatabase.url,
    schema: 'gateway',
    migrate: false,
    pool: { max_connections: 2 },
  });

  const cluster: ScaleCluster = {
    provider: options.provider,
    gatewayDatabase,
    agentDatabase,
    gateways,
    agents,
    agentUrls,
    gatewayDb,
    replicaIndexOf(url) {
      const index = agentUrls.indexOf(url.replace(/\/$/, ''));
      if (index < 0)
        throw new Error(`${url} is not a replica of this cluster (${agentUrls.join(', ')})`);
      return index;
    },
    async restartAgent(index) {
      const agent = await startAgent(index);
      agents[index] = agent;
      await warmUp(index);
      return agent;
    },
    async servingReplicaOf(taskId) {
      const row = await gatewayDb.client.chatTask.findUnique({
        where: { id: taskId },
        select: { metadata: true },
      });
      if (!row?.metadata) return undefined;
      const metadata = JSON.parse(row.metadata) as { agentUrl?: unknown };
      return typeof metadata.agentUrl === 'string' ? metadata.agentUrl : undefined;
    },
    async close() {
      await gatewayDb.close();
      await Promise.all([...gateways, ...agents].map((process) => process.kill('SIGKILL')));
      await gatewayDatabase.drop();
      await agentDatabase.drop();
    },
  };
  return cluster;
}
