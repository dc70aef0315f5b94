import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { findFreePort } from '../processes/find-free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type DatabaseProvider, type GatewayDatabase } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { startMeshProcess, type MeshProcess } from './mesh-process.js';

/** The shape of a scaled-out deployment to start. */
export interface BenchClusterOptions {
  provider: DatabaseProvider;
  gateways: number;
  replicas: number;
  /** Pause between streamed words of the built-in model (0: as fast as it can). */
  modelDelayMs: number;
}

/** Gateway and agent-replica processes on two fresh databases (gateway's, agent's). */
export interface BenchCluster {
  gateways: MeshProcess[];
  /** Replica processes by index (replaced when restarted). */
  replicas: MeshProcess[];
  replicaUrls: string[];
  gatewayDb: GatewayDatabase;
  /** The replica URL the gateway recorded for a task, once known. */
  servingReplicaOf(taskId: string): Promise<string | undefined>;
  /** Starts replica `index` again at its URL. */
  restartReplica(index: number): Promise<MeshProcess>;
  close(): Promise<void>;
}

/**
 * Starts `replicas` agent processes (agent `assistant`, built-in model) sharing one database and
 * `gateways` gateway processes sharing another, each gateway routing to every replica (`urls:`).
 */
export async function startBenchCluster(options: BenchClusterOptions): Promise<BenchCluster> {
  const folder = mkdtempSync(join(tmpdir(), 'agent-mesh-scale-bench-'));
  const databases: TestDatabase[] = [];
  const processes = new Set<MeshProcess>();
  try {
    const gatewayDatabase = await createTestDatabase(options.provider);
    databases.push(gatewayDatabase);
    const agentDatabase = await createTestDatabase(options.provider);
    databases.push(agentDatabase);
    const ports: number[] = [];
    for (let index = 0; index < options.replicas; index += 1) ports.push(await findFreePort());
    const replicaUrls = ports.map((port) => `http://127.0.0.1:${port}`);
    const agentFiles = ports.map((port, index) => {
      const file = join(folder, `agent-${index}.yaml`);
      writeFileSync(
        file,
        [
          'agent:',
          '  name: assistant',
          `  port: ${port}`,
          `  model: { provider: builtin, name: recall, context_window: 8192, delay_ms: ${options.modelDelayMs} }`,
          '  session_service:',
          '    type: sql',
          `    database_url: ${JSON.stringify(agentDatabase.url)}`,
          '    pool: { max_connections: 8 }',
          '',
        ].join('\n'),
      );
      return file;
    });
    const gatewayFile = join(folder, 'gateway.yaml');
    writeFileSync(
      gatewayFile,
      [
        'gateway:',
        '  port: 0',
        '  session_service:',
        '    type: sql',
        `    database_url: ${JSON.stringify(gatewayDatabase.url)}`,
        '    pool: { max_connections: 8 }',
        '  agents:',
        '    - name: assistant',
        `      urls: ${JSON.stringify(replicaUrls)}`,
        '',
      ].join('\n'),
    );
    const startReplica = async (index: number): Promise<MeshProcess> => {
      const replica = await startMeshProcess(
        `replica ${index}`,
        ['agent', '--config', agentFiles[index] as string],
        {},
      );
      processes.add(replica);
      return replica;
    };
    // The first of each kind migrates its database; the others find it ready.
    const replicas = [await startReplica(0)];
    for (let index = 1; index < options.replicas; index += 1)
      replicas.push(await startReplica(index));
    const gateways: MeshProcess[] = [];
    for (let index = 0; index < options.gateways; index += 1) {
      const gateway = await startMeshProcess(
        `gateway ${index}`,
        ['gateway', '--config', gatewayFile],
        { AGENT_MESH_GATEWAY_ID: `bench-gateway-${index}` },
      );
      processes.add(gateway);
      gateways.push(gateway);
    }
    const gatewayDb = await openDatabase({
      url: gatewayDatabase.url,
      schema: 'gateway',
      migrate: false,
      pool: { max_connections: 2 },
    });
    return {
      gateways,
      replicas,
      replicaUrls,
      gatewayDb,
      async servingReplicaOf(taskId) {
        const row = await gatewayDb.client.chatTask.findUnique({
          where: { id: taskId },
          select: { metadata: true },
        });
        if (!row?.metadata) return undefined;
        const url = (JSON.parse(row.metadata) as { agentUrl?: unknown }).agentUrl;
        return typeof url === 'string' ? url : undefined;
      },
      async restartReplica(index) {
        const replica = await startReplica(index);
        replicas[index] = replica;
        return replica;
      },
      async close() {
        await gatewayDb.close();
        await Promise.all([...processes].map((item) => item.kill('SIGKILL')));
        for (const database of databases) await database.drop();
        rmSync(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all([...processes].map((item) => item.kill('SIGKILL')));
    for (const database of databases) await database.drop().catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}
