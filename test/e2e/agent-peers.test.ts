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
  type AgentProcess,
} from './helpers/index.js';

describe('an agent delegating to a peer', () => {
  let assistantDatabase: TestDatabase;
  let researcherDatabase: TestDatabase;
  let researcher: AgentProcess;
  let assistant: AgentProcess;

  beforeAll(async () => {
    [assistantDatabase, researcherDatabase] = await Promise.all([
      createTestDatabase('sqlite'),
      createTestDatabase('sqlite'),
    ]);
    researcher = await startAgentProcess(fixturePath('agents/recall-sql.yaml'), {
      env: { AGENT_NAME: 'researcher', AGENT_DATABASE_URL: researcherDatabase.url },
    });
    assistant = await startAgentProcess(fixturePath('agents/delegating.yaml'), {
      env: {
        AGENT_NAME: 'assistant',
        AGENT_DATABASE_URL: assistantDatabase.url,
        RESEARCHER_URL: researcher.url,
      },
    });
  });
  afterAll(async () => {
    await stopMeshProcesses();
    await Promise.all([assistantDatabase.drop(), researcherDatabase.drop()]);
  });

  it('forwards "@researcher …" in the same context and user; each database keeps its own view', async () => {
    const client = await createA2aClient(assistant.url);
    const contextId = createWebSessionId();
    const metadata = { userId: 'alice' };
    const told = await streamMessage(client, {
      contextId,
      text: '@researcher My favorite color is blue',
      metadata,
    });
    expect(told.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(told.metadata).toMatchObject({
      delegatedTo: 'researcher',
      sessionId: contextId,
      userId: 'alice',
    });
    const asked = await streamMessage(client, {
      contextId,
      text: 'ask researcher: What is my favorite color?',
      metadata,
    });
    expect(asked.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(asked.text.toLowerCase()).toContain('blue');

    const [assistantSessions, researcherSessions] = await Promise.all([
      readAgentSessions(assistantDatabase.url),
      readAgentSessions(researcherDatabase.url),
    ]);
    expect(
      assistantSessions.map((session) => `${session.appName}/${session.userId}/${session.id}`),
    ).toEqual([`assistant/alice/${contextId}`]);
    expect(
      researcherSessions.map((session) => `${session.appName}/${session.userId}/${session.id}`),
    ).toEqual([`researcher/alice/${contextId}`]);
    const assistantEvents = assistantSessions[0]?.events ?? [];
    const researcherEvents = researcherSessions[0]?.events ?? [];
    expect(assistantEvents.map((event) => `${event.author}: ${event.text}`)).toEqual([
      'user: @researcher My favorite color is blue',
      `assistant: ${told.text}`,
      'user: ask researcher: What is my favorite color?',
      `assistant: ${asked.text}`,
    ]);
    expect(researcherEvents.map((event) => `${event.author}: ${event.text}`)).toEqual([
      'user: My favorite color is blue',
      `researcher: ${told.text}`,
      'user: What is my favorite color?',
      `researcher: ${asked.text}`,
    ]);
    expect(assistantEvents[1]?.content?.parts).toContainEqual(
      expect.objectContaining({
        type: 'data',
        data: expect.objectContaining({ delegatedTo: 'researcher' }),
      }),
    );
  });

  it('fails the turn clearly when the peer is down, and stays up', async () => {
    const client = await createA2aClient(assistant.url);
    await researcher.kill('SIGKILL');
    const contextId = createWebSessionId();
    const failed = await streamMessage(client, { contextId, text: '@researcher are you there?' });
    expect(failed.state).toBe(TaskState.TASK_STATE_FAILED);
    expect((failed.metadata.error as { code: string; message: string }).code).toBe(
      'AGENT_UNAVAILABLE',
    );
    expect((failed.metadata.error as { message: string }).message).toContain('"researcher"');
    expect((await fetch(`${assistant.url}/healthz`)).status).toBe(200);
    const local = await streamMessage(client, { contextId, text: 'My name is Ada' });
    expect(local.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });
});
