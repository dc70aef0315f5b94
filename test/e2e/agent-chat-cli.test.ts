import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import {
  fixturePath,
  startAgentProcess,
  startMeshProcess,
  stopMeshProcesses,
  type AgentProcess,
} from './helpers/index.js';

describe('agent-mesh chat', () => {
  let database: TestDatabase;
  let agent: AgentProcess;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    agent = await startAgentProcess(fixturePath('agents/recall-sql.yaml'), {
      env: { AGENT_DATABASE_URL: database.url },
    });
  });
  afterAll(async () => {
    await stopMeshProcesses();
    await database.drop();
  });

  it('answers piped lines one by one, prints the session id, and resumes it later', async () => {
    const chat = startMeshProcess(['chat', '--agent', agent.url, '--user', 'alice'], {
      stdin: 'My favorite color is blue\n\nWhat is my favorite color?\n',
    });
    const exit = await chat.exited;
    expect(exit.code, chat.output()).toBe(0);
    const lines = chat.lines;
    const replies = lines.filter(
      (line) =>
        !line.startsWith('Chatting') && !line.includes('resume with') && !line.startsWith('Resume'),
    );
    expect(replies).toEqual([
      'Got it: your favorite color is blue.',
      'Your favorite color is blue.',
    ]);
    const sessionId = /in session (\S+)/.exec(
      lines.find((line) => line.startsWith('Chatting')) ?? '',
    )?.[1];
    expect(sessionId).toMatch(/^cli-session-/);
    expect(lines.at(-1)).toContain(`--session ${sessionId}`);

    const resumed = startMeshProcess(
      ['chat', '--agent', agent.url, '--user', 'alice', '--session', String(sessionId)],
      {
        stdin: 'What is my favorite color?\n',
      },
    );
    expect((await resumed.exited).code, resumed.output()).toBe(0);
    expect(resumed.lines).toContain('Your favorite color is blue.');
    expect(resumed.output()).toContain(`in session ${sessionId}`);
  });

  it('exits with an error that names the URL when no agent answers there', async () => {
    const chat = startMeshProcess(['chat', '--agent', 'http://127.0.0.1:9'], { stdin: 'hello\n' });
    const exit = await chat.exited;
    expect(exit.code).toBe(1);
    expect(chat.output()).toMatch(/agent-mesh: Cannot reach the agent at http:\/\/127\.0\.0\.1:9/);
  });
});
