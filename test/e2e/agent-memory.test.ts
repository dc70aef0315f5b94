import { TaskState } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebSessionId } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import {
  createA2aClient,
  fixturePath,
  readAgentSessions,
  startAgentProcess,
  stopMeshProcesses,
  streamMessage,
} from './helpers/index.js';

afterAll(() => stopMeshProcesses());

describe.each(['sqlite', 'postgresql'] as const)('an agent with %s sessions', (provider) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(provider);
  });
  afterAll(async () => {
    await stopMeshProcesses();
    await database.drop();
  });

  it('remembers a fact after it was killed and started again', async () => {
    const env = { AGENT_DATABASE_URL: database.url };
    const contextId = createWebSessionId();
    const first = await startAgentProcess(fixturePath('agents/recall-sql.yaml'), { env });
    const told = await streamMessage(await createA2aClient(first.url), {
      contextId,
      text: 'My favorite color is blue',
      metadata: { userId: 'alice' },
    });
    expect(told.state).toBe(TaskState.TASK_STATE_COMPLETED);
    await first.kill('SIGKILL');

    const second = await startAgentProcess(fixturePath('agents/recall-sql.yaml'), { env });
    const client = await createA2aClient(second.url);
    const asked = await streamMessage(client, {
      contextId,
      text: 'What is my favorite color?',
      metadata: { userId: 'alice' },
    });
    expect(asked.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(asked.text.toLowerCase()).toContain('blue');
    expect(asked.metadata).toMatchObject({
      sessionId: contextId,
      userId: 'alice',
      model: 'builtin/recall',
    });

    // tasks/get still knows the task that ran before the restart.
    const task = await client.getTask({ tenant: '', id: told.taskId });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(
      task.artifacts[0]?.parts
        .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
        .join(''),
    ).toBe(told.text);

    const sessions = await readAgentSessions(database.url);
    const session = sessions.find((item) => item.id === contextId);
    expect(session?.userId).toBe('alice');
    expect(session?.events.map((event) => event.author)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
  });

  it('forgets between runs when sessions are RUN_BASED', async () => {
    const agent = await startAgentProcess(fixturePath('agents/recall-sql.yaml'), {
      env: {
        AGENT_DATABASE_URL: database.url,
        AGENT_NAME: 'runner',
        SESSION_BEHAVIOR: 'RUN_BASED',
      },
    });
    const client = await createA2aClient(agent.url);
    const contextId = createWebSessionId();
    await streamMessage(client, { contextId, text: 'My favorite color is blue' });
    const asked = await streamMessage(client, { contextId, text: 'What is my favorite color?' });
    expect(asked.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(String(asked.metadata.sessionId)).toBe(`${contextId}:${asked.taskId}:run`);
    expect(asked.text.toLowerCase()).not.toContain('blue');
    const sessions = await readAgentSessions(database.url);
    expect(sessions.filter((session) => session.appName === 'runner')).toEqual([]);
  });
});

describe('an agent with memory sessions', () => {
  it('does not know the fact after a restart, and its card says so', async () => {
    const contextId = createWebSessionId();
    const first = await startAgentProcess(fixturePath('agents/recall-memory.yaml'));
    const firstClient = await createA2aClient(first.url);
    const told = await streamMessage(firstClient, { contextId, text: 'My favorite color is blue' });
    expect(told.state).toBe(TaskState.TASK_STATE_COMPLETED);
    const before = await streamMessage(firstClient, {
      contextId,
      text: 'What is my favorite color?',
    });
    expect(before.text.toLowerCase()).toContain('blue');
    await first.kill('SIGKILL');

    const second = await startAgentProcess(fixturePath('agents/recall-memory.yaml'));
    const client = await createA2aClient(second.url);
    const after = await streamMessage(client, { contextId, text: 'What is my favorite color?' });
    expect(after.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(after.text.toLowerCase()).not.toContain('blue');
    const card = await client.getAgentCard();
    expect(card.capabilities?.extensions).toContainEqual(
      expect.objectContaining({
        uri: 'https://agent-mesh.dev/extensions/session-persistence/v1',
        params: { persistence: 'memory', behavior: 'PERSISTENT', management: '/mesh/v1' },
      }),
    );
  });
});
