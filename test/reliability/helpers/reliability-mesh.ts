import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseProvider } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { ApiClient } from '../../../packages/gateway/src/testing/test-gateway.js';
import {
  fixturePath,
  getFreePort,
  startAgentProcess,
  type AgentProcess,
} from '../../e2e/helpers/index.js';
import { startGatewayProcess, type GatewayProcess } from '../../e2e/helpers/gateway-process.js';
import { figuresDir } from './figures.js';

/** How to start a reliability mesh. */
export interface ReliabilityMeshOptions {
  /** Database of both processes (default sqlite). */
  provider?: DatabaseProvider;
  /** Pause between streamed words of the built-in model, so replies can be cut mid-stream. */
  modelDelayMs?: number;
  /** Extra variables for the agent and gateway YAML (pool sizes, timeouts, log level). */
  agentEnv?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
}

/**
 * A gateway and one agent as real processes from test/fixtures/reliability/*.yaml, each on its own fresh
 * database, both on fixed ports so they can be killed and started again at the same URLs.
 */
export interface ReliabilityMesh {
  agent: AgentProcess;
  gateway: GatewayProcess;
  gatewayDatabase: TestDatabase;
  agentDatabase: TestDatabase;
  /** A new browser stand-in (its own cookie jar, so its own anonymous user). */
  newClient(): ApiClient;
  /** A client of the current gateway with the same cookie (after a gateway restart). */
  sameUser(client: ApiClient): ApiClient;
  /** Starts the agent again (after a kill) with the same port and database. */
  startAgent(): Promise<AgentProcess>;
  /** Starts the gateway again (after a kill) with the same database. */
  startGateway(): Promise<GatewayProcess>;
  /** Writes both processes' output to test/artifacts/reliability/logs/<name>-{gateway,agent}.log. */
  saveLogs(name: string): void;
  /** Kills both processes and drops both databases. */
  stop(): Promise<void>;
}

/** Starts the agent, then the gateway, on fresh databases; see ReliabilityMesh. */
export async function startReliabilityMesh(
  options: ReliabilityMeshOptions = {},
): Promise<ReliabilityMesh> {
  const provider = options.provider ?? 'sqlite';
  const gatewayDatabase = await createTestDatabase(provider);
  const agentDatabase = await createTestDatabase(provider);
  const agentPort = await getFreePort();
  // Fixed ports, as in production: a restarted agent is found at the same URL, and a restarted gateway
  // keeps its instance id (host:port), so it closes its own cut-off replies at once.
  const gatewayPort = await getFreePort();
  const agentEnv = {
    AGENT_PORT: String(agentPort),
    AGENT_DATABASE_URL: agentDatabase.url,
    MODEL_DELAY_MS: String(options.modelDelayMs ?? 0),
    ...options.agentEnv,
  };
  const gatewayEnv = {
    GATEWAY_PORT: String(gatewayPort),
    GATEWAY_DATABASE_URL: gatewayDatabase.url,
    AGENT_URL: `http://127.0.0.1:${agentPort}`,
    ...options.gatewayEnv,
  };
  const startAgent = (): Promise<AgentProcess> =>
    startAgentProcess(fixturePath('reliability/agent.yaml'), { env: agentEnv });
  const startGateway = (): Promise<GatewayProcess> =>
    startGatewayProcess(fixturePath('reliability/gateway.yaml'), { env: gatewayEnv });

  let agent: AgentProcess | undefined;
  let gateway: GatewayProcess | undefined;
  try {
    agent = await startAgent();
    gateway = await startGateway();
  } catch (error) {
    await agent?.kill('SIGKILL');
    await gatewayDatabase.drop();
    await agentDatabase.drop();
    throw error;
  }
  const mesh: ReliabilityMesh = {
    agent,
    gateway,
    gatewayDatabase,
    agentDatabase,
    newClient: () => new ApiClient(mesh.gateway.url),
    sameUser(client) {
      const again = new ApiClient(mesh.gateway.url);
      again.cookie = client.cookie;
      return again;
    },
    async startAgent() {
      mesh.agent = await startAgent();
      return mesh.agent;
    },
    async startGateway() {
      mesh.gateway = await startGateway();
      return mesh.gateway;
    },
    saveLogs(name) {
      const folder = join(figuresDir, 'logs');
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, `${name}-gateway.log`), `${mesh.gateway.output()}\n`);
      writeFileSync(join(folder, `${name}-agent.log`), `${mesh.agent.output()}\n`);
    },
    async stop() {
      await Promise.all([mesh.agent.kill('SIGKILL'), mesh.gateway.kill('SIGKILL')]);
      await Promise.all([gatewayDatabase.drop(), agentDatabase.drop()]);
    },
  };
  return mesh;
}
