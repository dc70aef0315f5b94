import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type GatewayConfig } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import type { RunningGateway } from './server.js';
import { SqlGatewayStore } from './store/sql-gateway-store.js';
import {
  startScriptedAgent,
  scriptedReply,
  type ScriptedAgent,
} from './testing/scripted-a2a-agent.js';
import { ApiClient, startTestGateway, testGatewayConfig } from './testing/test-gateway.js';

describe('gateway on SQL across restarts', () => {
  let agent: ScriptedAgent;
  let memoryAgent: ScriptedAgent;
  let database: TestDatabase;
  let config: GatewayConfig;
  const running: RunningGateway[] = [];

  async function start(): Promise<RunningGateway> {
    const gateway = await startTestGateway(config);
    running.push(gateway);
    return gateway;
  }

  beforeAll(async () => {
    agent = await startScriptedAgent();
    memoryAgent = await startScriptedAgent({ name: 'forgetful', persistence: 'memory' });
    database = await createTestDatabase('sqlite');
    config = testGatewayConfig({
      session_secret_key: '',
      session_service: {
        type: 'sql',
        database_url: database.url,
        pool: { max_connections: 5, connect_timeout_ms: 10_000, idle_timeout_ms: 30_000 },
      },
      agents: [
        { name: 'assistant', url: agent.url },
        { name: 'forgetful', url: memoryAgent.url },
      ],
    });
  });

  afterAll(async () => {
    for (const gateway of running) await gateway.close();
    await agent?.close();
    await memoryAgent?.close();
    await database?.drop();
  });

  it('keeps the browser signed in and its history after a restart, with a generated key', async () => {
    const first = await start();
    const client = new ApiClient(first.url);
    const user = (await client.request('GET', '/api/v1/config')).body.user.id;
    const sessionId = (await client.request('POST', '/api/v1/sessions', { agent: 'assistant' }))
      .body.id;
    await client.request('POST', `/api/v1/sessions/${sessionId}/messages?wait=true`, {
      text: 'remember me',
    });
    await first.close();

    const second = await start();
    const again = new ApiClient(second.url);
    again.cookie = client.cookie;
    const config = (await again.request('GET', '/api/v1/config')).body;
    expect(config).toMatchObject({ user: { id: user }, persistence: 'sql' });
    expect(
      (await again.request('GET', '/api/v1/sessions')).body.sessions.map(
        (s: { id: string }) => s.id,
      ),
    ).toEqual([sessionId]);
    const history = (await again.request('GET', `/api/v1/sessions/${sessionId}/messages`)).body
      .messages;
    expect(history.map((message: { text: string }) => message.text)).toEqual([
      'remember me',
      scriptedReply('remember me'),
    ]);
    await second.close();
  });

  it('marks a reply its gateway was killed in as interrupted at start-up, keeping the partial text', async () => {
    const store = new SqlGatewayStore(await openDatabase({ url: database.url, schema: 'gateway' }));
    const now = new Date();
    await store.createSession({
      id: 'web-session-00000000-0000-4000-8000-000000000001',
      userId: 'anon-crash',
      name: 'crash',
      agent: 'assistant',
      createdAt: now,
      updatedAt: now,
    });
    const { task } = await store.createTask({
      id: 'task-crashed',
      sessionId: 'web-session-00000000-0000-4000-8000-000000000001',
      userId: 'anon-crash',
      agent: 'assistant',
      clientMessageId: null,
      userMessage: 'tell me a story',
      metadata: { gatewayId: 'test-gateway' },
      firstEvent: { type: 'message-start', agent: 'assistant' },
      now,
    });
    await store.saveTaskProgress(task.id, {
      events: [{ seq: 2, event: { type: 'message-delta', text: 'Once upon' } }],
      responseText: 'Once upon',
      lastEventSeq: 2,
      now,
    });
    await store.close();

    const gateway = await start();
    const reopened = new SqlGatewayStore(
      await openDatabase({ url: database.url, schema: 'gateway' }),
    );
    const recovered = await reopened.getTask('task-crashed', 'anon-crash');
    expect(recovered).toMatchObject({
      status: 'interrupted',
      responseText: 'Once upon',
      lastEventSeq: 3,
    });
    expect((await reopened.listTaskEvents('task-crashed', 2))[0]?.event).toMatchObject({
      type: 'message-end',
      status: 'interrupted',
      text: 'Once upon',
    });
    await reopened.close();
    await gateway.close();
  });

  it('warns when an agent keeps sessions in memory while the gateway persists them', async () => {
    const gateway = await start();
    const client = new ApiClient(gateway.url);
    const agents = (await client.request('GET', '/api/v1/agents')).body.agents;
    expect(agents[1]).toMatchObject({
      name: 'forgetful',
      persistence: 'memory',
      warning: expect.stringContaining('in memory'),
    });
    expect(agents[0].warning).toBeUndefined();
    const warnings = (await client.request('GET', '/api/v1/config')).body.warnings;
    expect(warnings).toEqual([expect.stringContaining('"forgetful"')]);
    await gateway.close();
  });
});
