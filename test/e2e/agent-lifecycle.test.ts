import { TaskState } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebSessionId } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import {
  createA2aClient,
  createTempDir,
  fixturePath,
  getFreePort,
  readAgentSessions,
  startAgentProcess,
  startMeshProcess,
  stopMeshProcesses,
  streamMessage,
  type TempDir,
} from './helpers/index.js';

describe('the agent process', () => {
  let database: TestDatabase;
  let temp: TempDir;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    temp = createTempDir('lifecycle');
  });
  afterAll(async () => {
    await stopMeshProcesses();
    await database.drop();
    temp.remove();
  });

  it('stops on SIGTERM with no grace period, keeping the reply it was streaming as interrupted', async () => {
    const agent = await startAgentProcess(fixturePath('agents/recall-sql.yaml'), {
      env: { AGENT_DATABASE_URL: database.url, MODEL_DELAY_MS: '200', SHUTDOWN_GRACE_MS: '0' },
    });
    const contextId = createWebSessionId();
    let exit: Promise<unknown> | undefined;
    const reply = await streamMessage(await createA2aClient(agent.url), {
      contextId,
      text: 'My name is Ada and my favorite color is blue and I live in Paris',
      onChunk: () => {
        exit ??= agent.kill('SIGTERM');
      },
    });
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(reply.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(reply.metadata).toMatchObject({
      interrupted: true,
      error: { code: 'AGENT_UNAVAILABLE' },
    });
    expect(agent.output()).toContain('stopped');
    const events =
      (await readAgentSessions(database.url)).find((session) => session.id === contextId)?.events ??
      [];
    expect(events.map((event) => event.author)).toEqual(['user', 'assistant']);
    expect(events[1]?.content?.parts).toContainEqual({
      type: 'data',
      data: { replyStatus: 'interrupted' },
    });
    expect(reply.text.startsWith(events[1]?.text ?? '?')).toBe(true);
  });

  it('listens on the configured port and refuses to start on a taken one, saying which', async () => {
    const port = await getFreePort();
    const config = temp.write(
      'fixed-port.yaml',
      `agent:\n  name: fixed\n  port: ${port}\n  model: { provider: builtin, name: recall }\n  session_service: { type: memory }\n`,
    );
    const agent = await startAgentProcess(config);
    expect(agent.url).toBe(`http://127.0.0.1:${port}`);
    const second = startMeshProcess(['agent', '--config', config]);
    const exit = await second.exited;
    expect(exit.code).not.toBe(0);
    expect(second.output()).toContain(
      `${config}:3:9 agent.port ${port} is already in use on 127.0.0.1`,
    );
    expect((await fetch(`${agent.url}/healthz`)).status).toBe(200);
  });

  it('is up but not ready when its model cannot be built, saying why on /readyz', async () => {
    const config = temp.write(
      'no-key.yaml',
      'agent:\n  name: keyless\n  port: 0\n  model: { provider: openai, name: gpt-4o-mini }\n  session_service: { type: memory }\n',
    );
    const agent = startMeshProcess(['agent', '--config', config], { env: { OPENAI_API_KEY: '' } });
    const entry = await agent.waitForLog((log) => String(log.msg).includes('listening on'));
    const url = String(entry.url);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { status: string; reason: string };
    expect(body.status).toBe('not-ready');
    expect(body.reason).toContain('OPENAI_API_KEY');
    const reply = await streamMessage(await createA2aClient(url), {
      contextId: createWebSessionId(),
      text: 'hello',
    });
    expect(reply.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(reply.statusText).toContain('OPENAI_API_KEY');
  });

  it('asks for its bearer token on A2A requests when auth.token is set', async () => {
    const config = temp.write(
      'token.yaml',
      'agent:\n  name: guarded\n  port: 0\n  model: { provider: builtin, name: recall }\n' +
        '  session_service: { type: memory }\n  auth:\n    token: ${AGENT_TOKEN}\n',
    );
    const agent = await startAgentProcess(config, { env: { AGENT_TOKEN: 'let-me-in' } });
    expect((await fetch(`${agent.url}/.well-known/agent-card.json`)).status).toBe(200);
    const anonymous = await fetch(`${agent.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { id: 'x' } }),
    });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { message: string } }).error.message).toContain(
      'Authorization: Bearer',
    );
    await expect(
      createA2aClient(agent.url, 'HTTP+JSON').then((client) =>
        client.getTask({ tenant: '', id: 'x' }),
      ),
    ).rejects.toThrow();
    const reply = await streamMessage(await createA2aClient(agent.url, 'JSONRPC', 'let-me-in'), {
      contextId: createWebSessionId(),
      text: 'My name is Ada',
    });
    expect(reply.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });
});
