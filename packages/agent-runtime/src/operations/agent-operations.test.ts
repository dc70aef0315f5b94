import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, parseAgentConfig, type AgentConfig } from '@agent-mesh/shared';
import {
  createTestDatabase,
  metricValue,
  parsePrometheusText,
  type TestDatabase,
} from '@agent-mesh/shared/testing';
import { startAgent, type RunningAgent } from '../runtime.js';
import { MemorySessionService } from '../sessions/memory-session-service.js';
import { createAgentOperations } from './agent-operations.js';

const logger = createLogger('agent-test', { level: process.env.LOG_LEVEL ?? 'silent' });

/** A validated agent section with defaults, on a free port with the built-in model. */
function agentConfig(section: Record<string, unknown>): AgentConfig {
  return parseAgentConfig(
    { port: 0, model: { provider: 'builtin', name: 'recall' }, ...section },
    'agent-operations.test',
  );
}

/** Sends one message with A2A JSON-RPC (v0.3 wire format) and returns the final task. */
async function send(url: string, text: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'message/send',
      params: {
        message: {
          kind: 'message',
          messageId: randomUUID(),
          contextId: 'web-session-metrics',
          role: 'user',
          parts: [{ kind: 'text', text }],
        },
      },
    }),
  });
  const body = (await response.json()) as { result: Record<string, unknown> };
  return body.result;
}

async function scrape(url: string): Promise<ReturnType<typeof parsePrometheusText>> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

describe('agent operations', () => {
  const agents: RunningAgent[] = [];
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const agent of agents) await agent.close();
    for (const database of databases) await database.drop();
  });

  it('serves /metrics in Prometheus text format; turn and request counters rise after a turn', async () => {
    const agent = await startAgent({
      config: agentConfig({ name: 'counted', session_service: { type: 'memory' } }),
      logger,
    });
    agents.push(agent);
    const before = await scrape(agent.url);
    expect(metricValue(before, 'agent_mesh_info', { process: 'agent' })).toBe(1);
    expect(metricValue(before, 'agent_mesh_turns_started_total', { agent: 'counted' })).toBe(0);
    expect(before.some((sample) => sample.name === 'nodejs_heap_size_used_bytes')).toBe(true);

    const task = await send(agent.url, 'My favorite color is blue');
    expect((task.status as { state: string }).state).toBe('completed');

    const after = await scrape(agent.url);
    expect(metricValue(after, 'agent_mesh_turns_started_total', { agent: 'counted' })).toBe(1);
    expect(
      metricValue(after, 'agent_mesh_turns_finished_total', {
        agent: 'counted',
        status: 'completed',
      }),
    ).toBe(1);
    expect(
      metricValue(after, 'agent_mesh_turn_duration_seconds_count', {
        agent: 'counted',
        status: 'completed',
      }),
    ).toBe(1);
    expect(
      metricValue(after, 'agent_mesh_http_requests_total', {
        method: 'POST',
        route: '/',
        status: '200',
      }),
    ).toBe(1);
  });

  it('shows the database pool on /readyz', async () => {
    const database = await createTestDatabase('postgresql');
    databases.push(database);
    const agent = await startAgent({
      config: agentConfig({
        name: 'pooled',
        session_service: { type: 'sql', database_url: database.url, pool: { max_connections: 3 } },
      }),
      logger,
    });
    agents.push(agent);
    const response = await fetch(`${agent.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      checks: {
        database: {
          ok: true,
          details: { provider: 'postgresql', pool: { max: 3, inUse: 0, waiting: 0 } },
        },
      },
    });
    const samples = await scrape(agent.url);
    expect(
      metricValue(samples, 'agent_mesh_db_pool_connections', {
        state: 'max',
        provider: 'postgresql',
      }),
    ).toBe(3);
  });

  it('counts compaction events as the session service stores them, and nothing else', async () => {
    const operations = createAgentOperations({
      config: agentConfig({ name: 'compacting', session_service: { type: 'memory' } }),
      database: undefined,
      logger,
    });
    const sessions = new MemorySessionService({ observer: operations.sessionObserver });
    const key = { appName: 'compacting', userId: 'u', sessionId: 's' };
    await sessions.createSession(key);
    for (const author of ['user', 'compacting']) {
      await sessions.appendEvent(key, {
        invocationId: 'i1',
        author,
        content: {
          role: author === 'user' ? 'user' : 'assistant',
          parts: [{ type: 'text', text: 'hi' }],
        },
      });
    }
    const compactions = async (): Promise<number> =>
      metricValue(
        parsePrometheusText(await operations.metrics.render()),
        'agent_mesh_compactions_total',
        {
          agent: 'compacting',
        },
      );
    expect(await compactions()).toBe(0);
    await sessions.appendEvent(key, {
      invocationId: 'compaction-1',
      author: 'system',
      actions: { compaction: { summary: 'They said hi.', startSeq: 1, endSeq: 2 } },
    });
    expect(await compactions()).toBe(1);
  });

  it('lets a running turn finish within shutdown_grace_ms, and interrupts it when the grace is 0', async () => {
    for (const [graceMs, state] of [
      [10_000, 'completed'],
      [0, 'failed'],
    ] as const) {
      const agent = await startAgent({
        config: agentConfig({
          name: 'slow',
          shutdown_grace_ms: graceMs,
          model: { provider: 'builtin', name: 'recall', delay_ms: 60 },
          session_service: { type: 'memory' },
        }),
        logger,
      });
      const reply = send(agent.url, 'My favorite color is blue and my dog is called Rex');
      // The turn is under way once it is counted as started.
      for (let tries = 0; tries < 200; tries += 1) {
        const started = metricValue(
          parsePrometheusText(await agent.metrics.render()),
          'agent_mesh_turns_started_total',
          { agent: 'slow' },
        );
        if (started === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const closed = agent.close();
      const task = await reply;
      await closed;
      expect((task.status as { state: string }).state).toBe(state);
    }
  });
});
