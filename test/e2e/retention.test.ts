import { afterAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  metricValue,
  parsePrometheusText,
  type TestDatabase,
} from '@agent-mesh/shared/testing';
import { ApiClient } from '../../packages/gateway/src/testing/test-gateway.js';
import {
  createTempDir,
  fixturePath,
  getFreePort,
  startAgentProcess,
  startMeshProcess,
  stopMeshProcesses,
  waitFor,
  type MeshProcess,
  type TempDir,
} from './helpers/index.js';
import { startGatewayProcess } from './helpers/gateway-process.js';
import {
  readAgentDatabase,
  readGatewayDatabase,
  seedAgentSessions,
  seedGatewaySessions,
} from './helpers/seed-old-sessions.js';

const day = 86_400_000;
const oldCount = 60;
const idleCount = 4;

/** Runs an `agent-mesh` command to its end and returns its exit code and output. */
async function runCli(args: string[]): Promise<{ code: number | null; output: string }> {
  const process = startMeshProcess(args);
  const exit = await process.exited;
  return { code: exit.code, output: process.output() };
}

/**
 * Chats in a loop until stopped: every turn must complete. Returns when each turn ended, so a test can
 * count the turns served while something else ran.
 */
function keepChatting(
  client: ApiClient,
  sessionId: string,
): {
  stop(): Promise<{ finishedAt: number[]; failures: unknown[] }>;
} {
  let stopped = false;
  const finishedAt: number[] = [];
  const failures: unknown[] = [];
  const loop = (async () => {
    for (let turn = 1; !stopped; turn += 1) {
      const sent = await client.request(
        'POST',
        `/api/v1/sessions/${sessionId}/messages?wait=true`,
        { text: `My lucky number is ${turn}` },
      );
      const history = await client.request('GET', `/api/v1/sessions/${sessionId}/messages`);
      if (sent.body.status !== 'completed' || history.status !== 200) failures.push(sent.body);
      finishedAt.push(Date.now());
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { finishedAt, failures };
    },
  };
}

describe.each(['sqlite', 'postgresql', 'mysql'] as const)(
  'sessions prune on %s while the mesh serves',
  (provider) => {
    const databases: TestDatabase[] = [];
    let temp: TempDir;

    afterAll(async () => {
      await stopMeshProcesses();
      for (const database of databases) await database.drop();
      temp?.remove();
    });

    it('deletes exactly the sessions inactive for 30 days from the gateway and the agent database, in batches, while chats go on', async () => {
      temp = createTempDir(`retention-${provider}`);
      const gatewayDatabase = await createTestDatabase(provider);
      const agentDatabase = await createTestDatabase(provider);
      databases.push(gatewayDatabase, agentDatabase);
      const now = Date.now();
      const oldGateway = await seedGatewaySessions(gatewayDatabase.url, {
        count: oldCount,
        lastActive: new Date(now - 31 * day),
      });
      const idleGateway = await seedGatewaySessions(gatewayDatabase.url, {
        count: idleCount,
        lastActive: new Date(now - 29 * day),
      });
      const oldAgent = await seedAgentSessions(agentDatabase.url, {
        count: oldCount,
        lastActive: new Date(now - 31 * day),
      });
      const idleAgent = await seedAgentSessions(agentDatabase.url, {
        count: idleCount,
        lastActive: new Date(now - 29 * day),
      });

      const agentPort = await getFreePort();
      const agentEnv = { AGENT_PORT: String(agentPort), AGENT_DATABASE_URL: agentDatabase.url };
      const agent = await startAgentProcess(fixturePath('agents/recall-sql.yaml'), {
        env: agentEnv,
      });
      const gatewayEnv = {
        GATEWAY_DATABASE_URL: gatewayDatabase.url,
        AGENT_URL: `http://127.0.0.1:${agentPort}`,
      };
      const gateway = await startGatewayProcess(fixturePath('gateway/gateway-sql.yaml'), {
        env: gatewayEnv,
      });
      // The CLI reads the same files; ${VAR}s come from its environment.
      const gatewayConfig = temp.write(
        'gateway.yaml',
        `gateway:\n  port: 0\n  session_service: { type: sql, database_url: "${gatewayDatabase.url}" }\n  agents: [{ name: assistant, url: "http://127.0.0.1:${agentPort}" }]\n`,
      );
      const agentConfig = temp.write(
        'agent.yaml',
        `agent:\n  name: assistant\n  port: 0\n  model: { provider: builtin, name: recall }\n  session_service: { type: sql, database_url: "${agentDatabase.url}" }\n`,
      );

      const client = new ApiClient(gateway.url);
      const live = (await client.request('POST', '/api/v1/sessions', { agent: 'assistant' })).body
        .id as string;
      const first = await client.request('POST', `/api/v1/sessions/${live}/messages?wait=true`, {
        text: 'My favorite color is blue',
      });
      expect(first.body.status).toBe('completed');

      const dryRun = await runCli([
        'sessions',
        'prune',
        '--older-than',
        '30d',
        '--dry-run',
        '--config',
        gatewayConfig,
      ]);
      expect(dryRun).toMatchObject({ code: 0 });
      expect(dryRun.output).toContain(
        `Would delete ${oldCount} session(s) inactive for more than 30d`,
      );
      expect((await readGatewayDatabase(gatewayDatabase.url)).counts.sessions).toBe(
        oldCount + idleCount + 1,
      );

      const chatting = keepChatting(client, live);
      const pruneStarted = Date.now();
      const [gatewayPrune, agentPrune] = await Promise.all([
        runCli([
          'sessions',
          'prune',
          '--older-than',
          '30d',
          '--batch-size',
          '25',
          '--config',
          gatewayConfig,
        ]),
        runCli([
          'sessions',
          'prune',
          '--older-than',
          '720h',
          '--batch-size',
          '25',
          '--config',
          agentConfig,
        ]),
      ]);
      const pruneEnded = Date.now();
      const { finishedAt, failures } = await chatting.stop();

      expect(gatewayPrune.code, gatewayPrune.output).toBe(0);
      expect(gatewayPrune.output).toContain(
        `Deleted ${oldCount} session(s) inactive for more than 30d`,
      );
      expect(gatewayPrune.output).toContain(
        `with ${2 * oldCount} task(s), ${6 * oldCount} stream event(s), ${2 * oldCount} feedback, 0 compaction checkpoint(s), in 3 batch(es)`,
      );
      expect(agentPrune.code, agentPrune.output).toBe(0);
      expect(agentPrune.output).toContain(
        `Deleted ${oldCount} session(s) inactive for more than 30d`,
      );
      expect(agentPrune.output).toContain(
        `with ${4 * oldCount} event(s), ${oldCount} A2A task record(s)`,
      );
      // The mesh kept serving: turns completed while both prunes ran, and none failed.
      expect(failures).toEqual([]);
      expect(
        finishedAt.filter((at) => at >= pruneStarted && at <= pruneEnded).length,
      ).toBeGreaterThan(0);

      const gatewayAfter = await readGatewayDatabase(gatewayDatabase.url);
      expect(gatewayAfter.sessionIds).toEqual([...idleGateway, live].sort());
      const turns = 1 + finishedAt.length;
      expect(gatewayAfter.counts).toMatchObject({
        sessions: idleCount + 1,
        tasks: 2 * idleCount + turns,
        feedback: 2 * idleCount,
      });
      expect(gatewayAfter.sessionIds.some((id) => oldGateway.includes(id))).toBe(false);
      const agentAfter = await readAgentDatabase(agentDatabase.url);
      expect(agentAfter.sessionIds).toEqual([...idleAgent, live].sort());
      expect(agentAfter.counts).toMatchObject({
        sessions: idleCount + 1,
        events: 4 * idleCount + 2 * turns,
      });
      expect(agentAfter.sessionIds.some((id) => oldAgent.includes(id))).toBe(false);

      // The live conversation is whole on both sides: the agent still remembers its first message.
      const recall = await client.request('POST', `/api/v1/sessions/${live}/messages?wait=true`, {
        text: 'What is my favorite color?',
      });
      expect(recall.body.text.toLowerCase()).toContain('blue');

      // Both processes logged the turn as one JSON line carrying the task and session ids (the lines
      // may follow the reply by a few milliseconds).
      await gateway.waitForLog(
        (entry) =>
          entry.msg === 'reply completed' &&
          entry.taskId === recall.body.taskId &&
          entry.sessionId === live &&
          entry.agent === 'assistant',
        10_000,
      );
      await agent.waitForLog(
        (entry) =>
          entry.msg === 'turn completed' &&
          entry.contextId === live &&
          entry.sessionId === live &&
          typeof entry.taskId === 'string',
        10_000,
      );
    });
  },
);

describe('scheduled retention on postgresql with two gateways and two agent replicas', () => {
  const databases: TestDatabase[] = [];
  let temp: TempDir;

  afterAll(async () => {
    await stopMeshProcesses();
    for (const database of databases) await database.drop();
    temp?.remove();
  });

  it('prunes old sessions of both databases on its own, each deleted once, while serving', async () => {
    temp = createTempDir('retention-scheduled');
    const gatewayDatabase = await createTestDatabase('postgresql');
    const agentDatabase = await createTestDatabase('postgresql');
    databases.push(gatewayDatabase, agentDatabase);
    const now = Date.now();
    await seedGatewaySessions(gatewayDatabase.url, {
      count: 60,
      lastActive: new Date(now - 8 * day),
    });
    const keptGateway = await seedGatewaySessions(gatewayDatabase.url, {
      count: 3,
      lastActive: new Date(now - 6 * day),
    });
    await seedAgentSessions(agentDatabase.url, { count: 60, lastActive: new Date(now - 8 * day) });
    const keptAgent = await seedAgentSessions(agentDatabase.url, {
      count: 3,
      lastActive: new Date(now - 6 * day),
    });

    const agentPorts = [await getFreePort(), await getFreePort()];
    const agentFile = temp.write(
      'agent.yaml',
      `agent:\n  name: assistant\n  port: \${AGENT_PORT}\n  model: { provider: builtin, name: recall }\n  session_service: { type: sql, database_url: "${agentDatabase.url}" }\n  retention: { max_age_days: 7, interval: 1s }\n`,
    );
    const agents: MeshProcess[] = [];
    for (const port of agentPorts) {
      agents.push(await startAgentProcess(agentFile, { env: { AGENT_PORT: String(port) } }));
    }
    const gatewayFile = temp.write(
      'gateway.yaml',
      `gateway:\n  port: 0\n  session_service: { type: sql, database_url: "${gatewayDatabase.url}" }\n  agents: [{ name: assistant, urls: [${agentPorts.map((port) => `"http://127.0.0.1:${port}"`).join(', ')}] }]\n  retention: { max_age_days: 7, interval: 1s }\n`,
    );
    const gateways = [
      await startGatewayProcess(gatewayFile),
      await startGatewayProcess(gatewayFile),
    ];

    const client = new ApiClient(gateways[0]?.url ?? '');
    const live = (await client.request('POST', '/api/v1/sessions', { agent: 'assistant' })).body
      .id as string;
    const chatting = keepChatting(client, live);
    const gatewayAfter = await waitFor(
      async () => {
        const read = await readGatewayDatabase(gatewayDatabase.url);
        return read.counts.sessions === 4 ? read : undefined;
      },
      { description: 'the scheduled prune of the gateway database', timeoutMs: 30_000 },
    );
    const agentAfter = await waitFor(
      async () => {
        const read = await readAgentDatabase(agentDatabase.url);
        return read.counts.sessions === 4 ? read : undefined;
      },
      { description: 'the scheduled prune of the agent database', timeoutMs: 30_000 },
    );
    const { failures, finishedAt } = await chatting.stop();
    expect(failures).toEqual([]);
    expect(finishedAt.length).toBeGreaterThan(0);
    expect(gatewayAfter.sessionIds).toEqual([...keptGateway, live].sort());
    expect(agentAfter.sessionIds).toEqual([...keptAgent, live].sort());

    // Every old session was deleted exactly once across the instances sharing each database.
    const deletedBy = async (url: string): Promise<number> =>
      metricValue(
        parsePrometheusText(await (await fetch(`${url}/metrics`)).text()),
        'agent_mesh_retention_deleted_sessions_total',
      );
    const gatewayDeleted = await Promise.all(gateways.map((gateway) => deletedBy(gateway.url)));
    const agentDeleted = await Promise.all(
      agentPorts.map((port) => deletedBy(`http://127.0.0.1:${port}`)),
    );
    expect(gatewayDeleted.reduce((sum, count) => sum + count, 0)).toBe(60);
    expect(agentDeleted.reduce((sum, count) => sum + count, 0)).toBe(60);
    expect(agents.every((agent) => agent.child.exitCode === null)).toBe(true);
  });
});
