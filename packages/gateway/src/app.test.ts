import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from './server.js';
import {
  startScriptedAgent,
  scriptedReply,
  type ScriptedAgent,
} from './testing/scripted-a2a-agent.js';
import { ApiClient, startTestGateway, testGatewayConfig } from './testing/test-gateway.js';

async function waitUntil<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('gateway REST API', () => {
  let agent: ScriptedAgent;
  let slowAgent: ScriptedAgent;
  let gateway: RunningGateway;

  beforeAll(async () => {
    agent = await startScriptedAgent();
    slowAgent = await startScriptedAgent({ name: 'slow', delayMs: 30 });
    gateway = await startTestGateway(
      testGatewayConfig({
        agents: [
          { name: 'assistant', url: agent.url, description: 'The test assistant' },
          { name: 'slow', url: slowAgent.url },
          { name: 'offline', url: 'http://127.0.0.1:9' },
        ],
        limits: { max_body_bytes: 4096 },
      }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await agent?.close();
    await slowAgent?.close();
  });

  it('gives each browser a stable anonymous user and reports memory persistence', async () => {
    const client = new ApiClient(gateway.url);
    const first = await client.request('GET', '/api/v1/config');
    expect(first.status).toBe(200);
    expect(first.body.user.id).toMatch(/^anon-[0-9a-f-]{36}$/);
    expect(first.body).toMatchObject({ persistence: 'memory', auth: { mode: 'none' } });
    expect(first.body.warnings.join(' ')).toContain('in memory');
    const cookie = first.headers.get('set-cookie') ?? '';
    expect(cookie).toContain('agent_mesh.sid=');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('Secure');
    const second = await client.request('GET', '/api/v1/config');
    expect(second.body.user.id).toBe(first.body.user.id);
    const behindTls = await new ApiClient(gateway.url).request('GET', '/api/v1/config', undefined, {
      'X-Forwarded-Proto': 'https',
    });
    expect(behindTls.headers.get('set-cookie')).toContain('Secure');
  });

  it('lists the agents with their availability', async () => {
    const response = await new ApiClient(gateway.url).request('GET', '/api/v1/agents');
    expect(response.body.agents).toEqual([
      { name: 'assistant', description: 'The test assistant', available: true, persistence: 'sql' },
      {
        name: 'slow',
        description: 'Scripted test agent slow',
        available: true,
        persistence: 'sql',
      },
      expect.objectContaining({ name: 'offline', available: false, persistence: 'unknown' }),
    ]);
  });

  it('stores a message, streams the reply from the agent and returns the history', async () => {
    const client = new ApiClient(gateway.url);
    const user = (await client.request('GET', '/api/v1/config')).body.user.id as string;
    const created = await client.request('POST', '/api/v1/sessions', { agent: 'assistant' });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^web-session-/);
    const sessionId = created.body.id as string;

    const sent = await client.request('POST', `/api/v1/sessions/${sessionId}/messages?wait=true`, {
      text: 'My favorite color is blue',
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      status: 'completed',
      text: scriptedReply('My favorite color is blue'),
      usage: { contextWindow: 4096 },
    });
    const taskId = sent.body.taskId as string;
    // The answer of ?wait=true is the task as stored.
    const { status, text, usage } = sent.body as Record<string, unknown>;
    expect((await client.request('GET', `/api/v1/tasks/${taskId}`)).body).toMatchObject({
      id: taskId,
      status,
      text,
      usage,
    });
    const message = agent.received.find((item) => item.contextId === sessionId);
    expect(message).toMatchObject({
      messageId: `${taskId}-user`,
      text: 'My favorite color is blue',
      metadata: { userId: user, gatewayId: 'test-gateway' },
    });

    const history = await client.request('GET', `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.nextBefore).toBeNull();
    expect(history.body.messages).toMatchObject([
      {
        id: `${taskId}-user`,
        taskId,
        role: 'user',
        text: 'My favorite color is blue',
        status: 'completed',
      },
      {
        id: `${taskId}-agent`,
        taskId,
        role: 'agent',
        text: scriptedReply('My favorite color is blue'),
        status: 'completed',
      },
    ]);
    const session = await client.request('GET', `/api/v1/sessions/${sessionId}`);
    expect(session.body.name).toBe('My favorite color is blue');
    const task = await client.request('GET', `/api/v1/tasks/${taskId}`);
    expect(task.body).toMatchObject({ id: taskId, sessionId, status: 'completed' });
    expect(task.body.lastSeq).toBeGreaterThanOrEqual(3);
  });

  it('answers 202 at once and records the reply without any client waiting', async () => {
    const client = new ApiClient(gateway.url);
    const sessionId = (
      await client.request('POST', '/api/v1/sessions', { agent: 'slow', name: 'Slow' })
    ).body.id;
    const sent = await client.request('POST', `/api/v1/sessions/${sessionId}/messages`, {
      text: 'one two three four',
    });
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ taskId: expect.stringMatching(/^task-/), sessionId });
    const running = await client.request('GET', `/api/v1/tasks/${sent.body.taskId}`);
    expect(running.body.status).toBe('running');
    const done = await waitUntil(async () => {
      const task = await client.request('GET', `/api/v1/tasks/${sent.body.taskId}`);
      return task.body.status === 'completed' && task.body;
    });
    expect(done.text).toBe(scriptedReply('one two three four'));
  });

  it('returns the same task for a repeated clientMessageId', async () => {
    const client = new ApiClient(gateway.url);
    const sessionId = (await client.request('POST', '/api/v1/sessions', { agent: 'assistant' }))
      .body.id;
    const body = { text: 'only once', clientMessageId: 'client-42' };
    const first = await client.request(
      'POST',
      `/api/v1/sessions/${sessionId}/messages?wait=true`,
      body,
    );
    const again = await client.request('POST', `/api/v1/sessions/${sessionId}/messages`, body);
    expect(again.body.taskId).toBe(first.body.taskId);
    const history = await client.request('GET', `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.messages).toHaveLength(2);
    expect(agent.received.filter((item) => item.text === 'only once')).toHaveLength(1);
  });

  it('pages sessions by recency and history by exchanges', async () => {
    const client = new ApiClient(gateway.url);
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      ids.push(
        (
          await client.request('POST', '/api/v1/sessions', {
            agent: 'assistant',
            name: `chat ${index}`,
          })
        ).body.id,
      );
    }
    for (const text of ['first', 'second', 'third']) {
      await client.request('POST', `/api/v1/sessions/${ids[0]}/messages?wait=true`, { text });
    }
    const page = await client.request('GET', '/api/v1/sessions?limit=2');
    expect(page.body.sessions.map((session: { id: string }) => session.id)).toEqual([
      ids[0],
      ids[2],
    ]);
    const rest = await client.request(
      'GET',
      `/api/v1/sessions?limit=2&cursor=${page.body.nextCursor}`,
    );
    expect(rest.body.sessions.map((session: { id: string }) => session.id)).toEqual([ids[1]]);
    expect(rest.body.nextCursor).toBeNull();

    const newest = await client.request('GET', `/api/v1/sessions/${ids[0]}/messages?limit=4`);
    expect(newest.body.messages.map((item: { text: string }) => item.text)).toEqual([
      'second',
      scriptedReply('second'),
      'third',
      scriptedReply('third'),
    ]);
    const older = await client.request(
      'GET',
      `/api/v1/sessions/${ids[0]}/messages?limit=4&before=${newest.body.nextBefore}`,
    );
    expect(older.body.messages.map((item: { text: string }) => item.text)).toEqual([
      'first',
      scriptedReply('first'),
    ]);
    expect(older.body.nextBefore).toBeNull();
  });

  it('renames and deletes a session', async () => {
    const client = new ApiClient(gateway.url);
    const sessionId = (await client.request('POST', '/api/v1/sessions', { agent: 'assistant' }))
      .body.id;
    const renamed = await client.request('PATCH', `/api/v1/sessions/${sessionId}`, {
      name: '  Colors  ',
    });
    expect(renamed.body.name).toBe('Colors');
    const deleted = await client.request('DELETE', `/api/v1/sessions/${sessionId}`);
    expect(deleted.status).toBe(200);
    // The scripted agent has no management API: the gateway side goes, and the answer says so.
    expect(deleted.body).toMatchObject({ sessionId, deleted: true, agentDeleted: false });
    expect(deleted.body.agentError).toContain('does not offer the agent-mesh management API');
    expect((await client.request('GET', `/api/v1/sessions/${sessionId}`)).status).toBe(404);
  });

  it('returns 404 for a session or task of another user', async () => {
    const owner = new ApiClient(gateway.url);
    const sessionId = (await owner.request('POST', '/api/v1/sessions', { agent: 'assistant' })).body
      .id;
    const taskId = (
      await owner.request('POST', `/api/v1/sessions/${sessionId}/messages?wait=true`, {
        text: 'secret',
      })
    ).body.taskId;
    const intruder = new ApiClient(gateway.url);
    const list = await intruder.request('GET', '/api/v1/sessions');
    expect(list.body.sessions).toEqual([]);
    const attempts = [
      await intruder.request('GET', `/api/v1/sessions/${sessionId}`),
      await intruder.request('PATCH', `/api/v1/sessions/${sessionId}`, { name: 'mine' }),
      await intruder.request('GET', `/api/v1/sessions/${sessionId}/messages`),
      await intruder.request('POST', `/api/v1/sessions/${sessionId}/messages`, { text: 'hi' }),
      await intruder.request('DELETE', `/api/v1/sessions/${sessionId}`),
      await intruder.request('GET', `/api/v1/tasks/${taskId}`),
      await intruder.request('POST', `/api/v1/tasks/${taskId}/cancel`),
      await intruder.request('POST', `/api/v1/tasks/${taskId}/retry`),
      await intruder.request('POST', `/api/v1/tasks/${taskId}/feedback`, { rating: 'down' }),
    ];
    expect(attempts.map((attempt) => attempt.status)).toEqual([
      404, 404, 404, 404, 404, 404, 404, 404, 404,
    ]);
    expect(attempts[0]?.body.error.code).toBe('SESSION_NOT_FOUND');
    expect(attempts[5]?.body.error.code).toBe('TASK_NOT_FOUND');
    expect(
      (await owner.request('GET', `/api/v1/sessions/${sessionId}/messages`)).body.messages,
    ).toHaveLength(2);
  });

  it('rejects invalid bodies with what was wrong', async () => {
    const client = new ApiClient(gateway.url);
    const sessionId = (await client.request('POST', '/api/v1/sessions', { agent: 'assistant' }))
      .body.id;
    const missing = await client.request('POST', `/api/v1/sessions/${sessionId}/messages`, {
      txt: 'hi',
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('REQUEST_INVALID');
    expect(missing.body.error.message).toContain('"text"');
    expect(missing.body.error.message).toContain('"txt"');
    const wrongType = await client.request('POST', '/api/v1/sessions', { agent: 42 });
    expect(wrongType.body.error.message).toContain('body.agent must be string');
    const badJson = await client.request('POST', '/api/v1/sessions', '{"agent":');
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.message).toContain('not valid JSON');
    const unknownAgent = await client.request('POST', '/api/v1/sessions', { agent: 'nobody' });
    expect(unknownAgent.status).toBe(400);
    expect(unknownAgent.body.error).toMatchObject({ code: 'AGENT_NOT_FOUND' });
    const badRating = await client.request('POST', '/api/v1/tasks/task-x/feedback', {
      rating: 'meh',
    });
    expect(badRating.body.error.message).toContain('must be one of: up, down');
    const badLimit = await client.request('GET', '/api/v1/sessions?limit=0');
    expect(badLimit.status).toBe(400);
    const badCursor = await client.request('GET', '/api/v1/sessions?cursor=nonsense');
    expect(badCursor.body.error.message).toContain('"cursor"');
  });

  it('answers 413 for a body above limits.max_body_bytes and stores nothing', async () => {
    const client = new ApiClient(gateway.url);
    const sessionId = (await client.request('POST', '/api/v1/sessions', { agent: 'assistant' }))
      .body.id;
    const response = await client.request('POST', `/api/v1/sessions/${sessionId}/messages`, {
      text: 'x'.repeat(5000),
    });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(response.body.error.message).toContain('max_body_bytes');
    expect(
      (await client.request('GET', `/api/v1/sessions/${sessionId}/messages`)).body.messages,
    ).toEqual([]);
  });

  it('cancels a running reply, keeping the text so far', async () => {
    const client = new ApiClient(gateway.url);
    const sessionId = (await client.request('POST', '/api/v1/sessions', { agent: 'assistant' }))
      .body.id;
    const taskId = (
      await client.request('POST', `/api/v1/sessions/${sessionId}/messages`, { text: 'hang' })
    ).body.taskId;
    await waitUntil(
      async () => (await client.request('GET', `/api/v1/tasks/${taskId}`)).body.text.length > 0,
    );
    const canceled = await client.request('POST', `/api/v1/tasks/${taskId}/cancel`);
    expect(canceled.body).toEqual({ taskId, status: 'canceled' });
    expect(agent.canceled.length).toBeGreaterThan(0);
    const task = await client.request('GET', `/api/v1/tasks/${taskId}`);
    expect(task.body).toMatchObject({ status: 'canceled', text: 'You ' });
    const again = await client.request('POST', `/api/v1/tasks/${taskId}/cancel`);
    expect(again.body.status).toBe('canceled');
  });

  it('marks a reply cut off by the agent as interrupted and retries it as a new task', async () => {
    const client = new ApiClient(gateway.url);
    const sessionId = (await client.request('POST', '/api/v1/sessions', { agent: 'slow' })).body.id;
    const taskId = (
      await client.request('POST', `/api/v1/sessions/${sessionId}/messages`, {
        text: 'a b c d e f g h i j k l',
      })
    ).body.taskId;
    await waitUntil(
      async () => (await client.request('GET', `/api/v1/tasks/${taskId}`)).body.text.length > 10,
    );
    slowAgent.dropConnections();
    const task = await waitUntil(async () => {
      const current = await client.request('GET', `/api/v1/tasks/${taskId}`);
      return current.body.status !== 'running' && current.body;
    });
    expect(task.status).toBe('interrupted');
    expect(task.text.length).toBeGreaterThan(10);
    expect(scriptedReply('a b c d e f g h i j k l').startsWith(task.text)).toBe(true);
    expect(task.error).toContain('Retry');

    const retried = await client.request('POST', `/api/v1/tasks/${taskId}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body.taskId).not.toBe(taskId);
    const done = await waitUntil(async () => {
      const current = await client.request('GET', `/api/v1/tasks/${retried.body.taskId}`);
      return current.body.status !== 'running' && current.body;
    });
    expect(done).toMatchObject({
      status: 'completed',
      text: scriptedReply('a b c d e f g h i j k l'),
    });
    const notAgain = await client.request('POST', `/api/v1/tasks/${retried.body.taskId}/retry`);
    expect(notAgain.status).toBe(409);
  });

  it('records a failed reply with the agent error, and replaced text as the final text', async () => {
    const client = new ApiClient(gateway.url);
    const sessionId = (await client.request('POST', '/api/v1/sessions', { agent: 'assistant' }))
      .body.id;
    const failed = await client.request(
      'POST',
      `/api/v1/sessions/${sessionId}/messages?wait=true`,
      { text: 'fail' },
    );
    expect(failed.body).toMatchObject({
      status: 'failed',
      error: 'The scripted agent failed on purpose.',
    });
    const restarted = await client.request(
      'POST',
      `/api/v1/sessions/${sessionId}/messages?wait=true`,
      { text: 'restart' },
    );
    expect(restarted.body).toMatchObject({ status: 'completed', text: 'Final answer' });
  });

  it('fails a message to an agent that is down, keeping the user message', async () => {
    const client = new ApiClient(gateway.url);
    const sessionId = (await client.request('POST', '/api/v1/sessions', { agent: 'offline' })).body
      .id;
    const sent = await client.request('POST', `/api/v1/sessions/${sessionId}/messages?wait=true`, {
      text: 'anyone?',
    });
    expect(sent.body.status).toBe('failed');
    expect(sent.body.error).toContain('"offline"');
    const history = await client.request('GET', `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.messages[0]).toMatchObject({ role: 'user', text: 'anyone?' });
  });

  it('stores feedback and shows it in the history', async () => {
    const client = new ApiClient(gateway.url);
    const sessionId = (await client.request('POST', '/api/v1/sessions', { agent: 'assistant' }))
      .body.id;
    const taskId = (
      await client.request('POST', `/api/v1/sessions/${sessionId}/messages?wait=true`, {
        text: 'rate me',
      })
    ).body.taskId;
    const saved = await client.request('POST', `/api/v1/tasks/${taskId}/feedback`, {
      rating: 'up',
      comment: 'nice',
    });
    expect(saved.body).toEqual({ taskId, rating: 'up', comment: 'nice' });
    const history = await client.request('GET', `/api/v1/sessions/${sessionId}/messages`);
    expect(history.body.messages[1].feedback).toEqual({ rating: 'up', comment: 'nice' });
  });

  it('answers the platform API with 501 and unknown API routes with a JSON 404', async () => {
    const client = new ApiClient(gateway.url);
    const platform = await client.request('GET', '/api/v1/platform/projects');
    expect(platform.status).toBe(501);
    expect(platform.body.error.message).toContain('PLATFORM_DATABASE_URL');
    const unknown = await client.request('GET', '/api/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('/api/v1/nothing-here');
  });

  it('serves a page saying how to build the web UI when it is not built, for any browser path', async () => {
    const client = new ApiClient(gateway.url);
    const page = await client.request('GET', '/sessions/some-chat', undefined, {
      Accept: 'text/html',
    });
    expect(page.status).toBe(200);
    expect(page.body).toContain('web UI has not been built');
  });

  it('reports health, and readiness with the unreachable agent', async () => {
    const client = new ApiClient(gateway.url);
    expect((await client.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await client.request('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.database.status).toBe('ok');
    expect(ready.body.agents).toEqual([
      { name: 'assistant', available: true },
      { name: 'slow', available: true },
      expect.objectContaining({ name: 'offline', available: false, error: expect.any(String) }),
    ]);
  });
});
