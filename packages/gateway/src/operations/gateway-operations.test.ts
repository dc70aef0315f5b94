import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, openDatabase, type GatewayConfig } from '@agent-mesh/shared';
import {
  createTestDatabase,
  metricValue,
  parsePrometheusText,
  type TestDatabase,
} from '@agent-mesh/shared/testing';
import type { RunningGateway } from '../server.js';
import { SqlGatewayStore } from '../store/sql-gateway-store.js';
import { startScriptedAgent, type ScriptedAgent } from '../testing/scripted-a2a-agent.js';
import { TaskSocketClient } from '../testing/task-socket-client.js';
import { ApiClient, startTestGateway, testGatewayConfig } from '../testing/test-gateway.js';
import { GatewayOperations } from './gateway-operations.js';

async function scrape(url: string): Promise<ReturnType<typeof parsePrometheusText>> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return parsePrometheusText(await response.text());
}

describe('gateway operations', () => {
  let agent: ScriptedAgent;
  let slowAgent: ScriptedAgent;
  const gateways: RunningGateway[] = [];
  const databases: TestDatabase[] = [];

  beforeAll(async () => {
    agent = await startScriptedAgent();
    slowAgent = await startScriptedAgent({ delayMs: 150 });
  });
  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    await agent?.close();
    await slowAgent?.close();
    for (const database of databases) await database.drop();
  });

  async function start(overrides: Partial<GatewayConfig> = {}): Promise<RunningGateway> {
    const gateway = await startTestGateway(
      testGatewayConfig({ agents: [{ name: 'assistant', url: agent.url }], ...overrides }),
    );
    gateways.push(gateway);
    return gateway;
  }

  it('serves /metrics in Prometheus text format; request, reply and WebSocket counts rise with use', async () => {
    const gateway = await start();
    const client = new ApiClient(gateway.url);
    const before = await scrape(gateway.url);
    expect(metricValue(before, 'agent_mesh_info', { process: 'gateway' })).toBe(1);
    expect(before.some((sample) => sample.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(metricValue(before, 'agent_mesh_turns_started_total', { agent: 'assistant' })).toBe(0);

    const session = (await client.request('POST', '/api/v1/sessions', { agent: 'assistant' })).body;
    const socket = await TaskSocketClient.open(gateway.url, client.cookie);
    const sent = await client.request('POST', `/api/v1/sessions/${session.id}/messages?wait=true`, {
      text: 'count me',
    });
    expect(sent.body.status).toBe('completed');

    const after = await scrape(gateway.url);
    expect(metricValue(after, 'agent_mesh_turns_started_total', { agent: 'assistant' })).toBe(1);
    expect(
      metricValue(after, 'agent_mesh_turns_finished_total', {
        agent: 'assistant',
        status: 'completed',
      }),
    ).toBe(1);
    expect(
      metricValue(after, 'agent_mesh_turn_duration_seconds_count', {
        agent: 'assistant',
        status: 'completed',
      }),
    ).toBe(1);
    expect(
      metricValue(after, 'agent_mesh_http_requests_total', {
        method: 'POST',
        route: '/api/v1/sessions/:sessionId/messages',
        status: '200',
      }),
    ).toBe(1);
    expect(
      metricValue(after, 'agent_mesh_http_requests_total', {
        method: 'POST',
        route: '/api/v1/sessions',
        status: '201',
      }),
    ).toBe(1);
    // Ids never become labels: every session shares one route pattern.
    expect(after.some((sample) => sample.labels.route?.includes(session.id as string))).toBe(false);
    expect(metricValue(after, 'agent_mesh_websocket_connections')).toBe(1);
    socket.socket.close();
  });

  it('shows the database pool on /readyz and in /metrics', async () => {
    const database = await createTestDatabase('postgresql');
    databases.push(database);
    const store = new SqlGatewayStore(
      await openDatabase({ url: database.url, schema: 'gateway', pool: { max_connections: 4 } }),
    );
    const gateway = await startTestGateway(
      testGatewayConfig({ agents: [{ name: 'assistant', url: agent.url }] }),
      { store },
    );
    gateways.push(gateway);
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { database: Record<string, unknown> };
    expect(body.database).toMatchObject({
      status: 'ok',
      persistence: 'sql',
      provider: 'postgresql',
      pool: { max: 4, inUse: 0, waiting: 0 },
    });
    const samples = await scrape(gateway.url);
    expect(
      metricValue(samples, 'agent_mesh_db_pool_connections', {
        state: 'max',
        provider: 'postgresql',
      }),
    ).toBe(4);
  });

  it('lets a running reply finish within shutdown_grace_ms, and interrupts it when the grace is 0', async () => {
    for (const [graceMs, status] of [
      [10_000, 'completed'],
      [0, 'interrupted'],
    ] as const) {
      const gateway = await startTestGateway(
        testGatewayConfig({
          agents: [{ name: 'assistant', url: slowAgent.url }],
          shutdown_grace_ms: graceMs,
        }),
      );
      const client = new ApiClient(gateway.url);
      const user = (await client.request('GET', '/api/v1/config')).body.user.id as string;
      const session = (await client.request('POST', '/api/v1/sessions', { agent: 'assistant' }))
        .body;
      const { taskId } = (
        await client.request('POST', `/api/v1/sessions/${session.id}/messages`, {
          text: 'one two three four five six',
        })
      ).body as { taskId: string };
      // Wait for the reply to be under way, then stop the gateway.
      for (let tries = 0; tries < 200; tries += 1) {
        const task = await gateway.store.getTask(taskId, user);
        if ((task?.responseText ?? '') !== '') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await gateway.close();
      const task = await gateway.store.getTask(taskId, user);
      expect(task?.status).toBe(status);
      if (status === 'completed')
        expect(task?.responseText).toBe('You said: one two three four five six');
    }
  });

  it('while draining, answers /readyz with 503 and refuses new writes but not reads or cancels', async () => {
    const operations = new GatewayOperations({
      config: testGatewayConfig({ agents: [{ name: 'assistant', url: agent.url }] }),
      database: undefined,
      logger: createLogger('gateway-test', { level: 'silent' }),
      version: 'test',
    });
    const app = express();
    app.use(operations.requestMiddleware());
    app.get('/readyz', operations.routes().readyWhileDraining, (_request, response) => {
      response.json({ status: 'ready' });
    });
    app.all('/api/v1/{*path}', (_request, response) => {
      response.json({ ok: true });
    });
    const server = createServer(app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const traced = await fetch(`${base}/api/v1/sessions`, {
        headers: { 'X-Request-Id': 'req-from-proxy-1' },
      });
      expect(traced.headers.get('x-request-id')).toBe('req-from-proxy-1');
      operations.startDraining();
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'stopping' });
      const write = await fetch(`${base}/api/v1/sessions`, { method: 'POST' });
      expect(write.status).toBe(503);
      expect(await write.json()).toMatchObject({ error: { code: 'AGENT_UNAVAILABLE' } });
      expect((await fetch(`${base}/api/v1/sessions`)).status).toBe(200);
      expect((await fetch(`${base}/api/v1/tasks/task-1/cancel`, { method: 'POST' })).status).toBe(
        200,
      );
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
