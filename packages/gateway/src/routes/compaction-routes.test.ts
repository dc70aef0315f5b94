import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// A real agent process (the built CLI) with the built-in model: the management API is the agent's own.
import {
  startAgentProcess,
  type AgentProcess,
} from '../../../../test/e2e/helpers/agent-process.js';
import { fixturePath } from '../../../../test/e2e/helpers/fixtures.js';
import { stopMeshProcesses } from '../../../../test/e2e/helpers/mesh-process.js';
import { createTempDir, type TempDir } from '../../../../test/e2e/helpers/temp-dir.js';
import type { RunningGateway } from '../server.js';
import { TaskSocketClient } from '../testing/task-socket-client.js';
import { ApiClient, startTestGateway, testGatewayConfig } from '../testing/test-gateway.js';

const token = 'gateway-to-agent-token';
const filler =
  'I am writing this down so that we can come back to it much later in this chat. It is a long ' +
  'note, full of words, that only exists to make the conversation longer than the window allows.';

interface Message {
  id: string;
  taskId: string | null;
  role: 'user' | 'agent' | 'system';
  kind?: string;
  text: string;
  compaction?: Record<string, unknown>;
}

let temp: TempDir;
let agent: AgentProcess;
let gateway: RunningGateway;

async function newChat(client: ApiClient): Promise<string> {
  const created = await client.request('POST', '/api/v1/sessions', { agent: 'assistant' });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function say(client: ApiClient, sessionId: string, text: string): Promise<string> {
  const sent = await client.request('POST', `/api/v1/sessions/${sessionId}/messages?wait=true`, {
    text,
  });
  expect(sent.body.status, JSON.stringify(sent.body)).toBe('completed');
  return sent.body.taskId as string;
}

async function history(client: ApiClient, sessionId: string): Promise<Message[]> {
  const page = await client.request('GET', `/api/v1/sessions/${sessionId}/messages?limit=200`);
  expect(page.status).toBe(200);
  return page.body.messages as Message[];
}

beforeAll(async () => {
  temp = createTempDir('gateway-compaction');
  agent = await startAgentProcess(fixturePath('agents/compaction-builtin.yaml'), {
    env: {
      AGENT_DATABASE_URL: `sqlite:///${join(temp.path, 'agent.db')}`,
      CONTEXT_WINDOW: '1500',
      COMPACTION_PERCENTAGE: '0.5',
      AGENT_TOKEN: token,
    },
  });
  gateway = await startTestGateway(
    testGatewayConfig({ agents: [{ name: 'assistant', url: agent.url, token }] }),
  );
});

afterAll(async () => {
  await gateway?.close();
  await stopMeshProcesses();
  temp?.remove();
});

describe('compaction and context usage through the gateway (real agent process)', () => {
  it('refuses a bad percentage with what is allowed, and answers 404 for a chat of another user', async () => {
    const owner = new ApiClient(gateway.url);
    const sessionId = await newChat(owner);
    for (const body of [{ percentage: 1.5 }, { percentage: -0.1 }, { percentage: '0.5' }]) {
      const refused = await owner.request('POST', `/api/v1/sessions/${sessionId}/compact`, body);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({
        code: 'REQUEST_INVALID',
        details: { field: 'percentage' },
      });
      expect(refused.body.error.message).toContain(
        'body.percentage must be a number from 0.0 to 1.0',
      );
    }
    const typo = await owner.request('POST', `/api/v1/sessions/${sessionId}/compact`, {
      percent: 0.5,
    });
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toContain('"percent"');

    const intruder = new ApiClient(gateway.url);
    const attempts = [
      await intruder.request('POST', `/api/v1/sessions/${sessionId}/compact`, {}),
      await intruder.request('GET', `/api/v1/sessions/${sessionId}/context-usage`),
      await intruder.request('DELETE', `/api/v1/sessions/${sessionId}`),
    ];
    expect(attempts.map((attempt) => [attempt.status, attempt.body.error?.code])).toEqual([
      [404, 'SESSION_NOT_FOUND'],
      [404, 'SESSION_NOT_FOUND'],
      [404, 'SESSION_NOT_FOUND'],
    ]);
    expect((await owner.request('GET', `/api/v1/sessions/${sessionId}`)).status).toBe(200);
  });

  it('reports no context for a new chat, then the agent figures of the last model call', async () => {
    const client = new ApiClient(gateway.url);
    const sessionId = await newChat(client);
    const empty = await client.request('GET', `/api/v1/sessions/${sessionId}/context-usage`);
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({
      sessionId,
      agent: 'assistant',
      source: 'agent',
      inputTokens: null,
      percent: null,
      compactions: 0,
      message: 'No messages yet.',
    });

    await say(client, sessionId, 'My name is Ada Lovelace.');
    const usage = await client.request('GET', `/api/v1/sessions/${sessionId}/context-usage`);
    const [, reply] = await history(client, sessionId);
    expect(usage.body).toMatchObject({
      source: 'agent',
      estimated: false,
      contextWindow: 1500,
      compactions: 0,
      compactionPercentage: 0.5,
      model: 'builtin/recall',
    });
    expect(usage.body.inputTokens).toBeGreaterThan(0);
    // One model call: the provider-reported input tokens are the reply's.
    expect(usage.body.inputTokens).toBe(
      (reply as unknown as { usage: { inputTokens: number } }).usage.inputTokens,
    );
    expect(usage.body.percent).toBe(Math.round((usage.body.inputTokens / 1500) * 1000) / 10);
  });

  it('compresses on request: a checkpoint after the compacted turns, less context, every message kept', async () => {
    const client = new ApiClient(gateway.url);
    const sessionId = await newChat(client);
    const texts = ['My name is Ada Lovelace.', 'I live in London.', 'I like tea.', 'I own a cat.'];
    for (const text of texts) await say(client, sessionId, text);
    const before = (await client.request('GET', `/api/v1/sessions/${sessionId}/context-usage`))
      .body;

    const compacted = await client.request('POST', `/api/v1/sessions/${sessionId}/compact`, {
      percentage: 0.5,
    });
    expect(compacted.status).toBe(200);
    expect(compacted.body).toMatchObject({
      sessionId,
      status: 'compacted',
      turnsCompacted: 2,
      percentage: 0.5,
      checkpoint: {
        role: 'system',
        kind: 'compaction',
        taskId: null,
        status: 'completed',
        compaction: { reason: 'manual', turnsCompacted: 2, percentage: 0.5 },
      },
    });
    expect(compacted.body.summary).toContain('Ada Lovelace');
    expect(compacted.body.tokensAfter).toBeLessThan(compacted.body.tokensBefore);
    expect(compacted.body.checkpoint.compaction.summary).toBe(compacted.body.summary);

    const messages = await history(client, sessionId);
    expect(messages.map((message) => message.role)).toEqual([
      ...texts.flatMap(() => ['user', 'agent']),
      'system',
    ]);
    expect(messages.filter((message) => message.role === 'user').map((m) => m.text)).toEqual(texts);
    expect(messages.at(-1)?.id).toBe(compacted.body.checkpoint.id);

    const after = (await client.request('GET', `/api/v1/sessions/${sessionId}/context-usage`)).body;
    expect(after).toMatchObject({ source: 'agent', estimated: true, compactions: 1 });
    expect(after.inputTokens).toBeLessThan(before.inputTokens);
    expect(after.percent).toBeLessThan(before.percent);
    expect(after.lastCompaction).toMatchObject({ reason: 'manual', turnsCompacted: 2 });

    // Without a percentage the agent's own compaction_percentage (0.5 of the 2 turns left) applies.
    const again = await client.request('POST', `/api/v1/sessions/${sessionId}/compact`);
    expect(again.body).toMatchObject({ status: 'compacted', turnsCompacted: 1, percentage: 0.5 });
    // The agent still answers from the summary.
    await say(client, sessionId, 'What is my name?');
    const last = (await history(client, sessionId)).at(-1);
    expect(last).toMatchObject({ role: 'agent', text: 'Your name is Ada Lovelace.' });
  });

  it('says there is nothing to compress when the agent holds one turn', async () => {
    const client = new ApiClient(gateway.url);
    const sessionId = await newChat(client);
    await say(client, sessionId, 'Hello there.');
    const result = await client.request('POST', `/api/v1/sessions/${sessionId}/compact`, {});
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      status: 'nothing-to-compact',
      turnsCompacted: 0,
      checkpoint: null,
    });
    expect(result.body.message).toEqual(expect.any(String));
    expect((await history(client, sessionId)).map((message) => message.role)).toEqual([
      'user',
      'agent',
    ]);
  });

  it('shows a compaction the agent made by itself inside its turn, with a note on the reply', async () => {
    const client = new ApiClient(gateway.url);
    const sessionId = await newChat(client);
    await say(client, sessionId, 'My name is Ada Lovelace.');
    let compactedTask: string | undefined;
    for (let turn = 1; turn <= 30 && compactedTask === undefined; turn += 1) {
      const taskId = await say(
        client,
        sessionId,
        `Locker ${turn} has code ${4700 + turn}. ${filler}`,
      );
      const task = await client.request('GET', `/api/v1/tasks/${taskId}`);
      expect(task.status).toBe(200);
      const reply = (await history(client, sessionId)).find(
        (message) => message.taskId === taskId && message.role === 'agent',
      );
      if (reply?.compaction !== undefined) compactedTask = taskId;
    }
    expect(compactedTask, 'a turn that overflowed the 1500-token window').toBeDefined();

    const messages = await history(client, sessionId);
    const index = messages.findIndex(
      (message) => message.role === 'system' && message.taskId === compactedTask,
    );
    expect(messages[index - 1]).toMatchObject({ role: 'user', taskId: compactedTask });
    expect(messages[index + 1]).toMatchObject({ role: 'agent', taskId: compactedTask });
    const checkpoint = messages[index];
    expect(checkpoint?.compaction).toMatchObject({
      reason: 'overflow',
      turnsCompacted: expect.any(Number),
    });
    expect(checkpoint?.compaction?.summary).toContain('Ada Lovelace');
    expect(messages[index + 1]?.compaction).toEqual({
      turnsCompacted: checkpoint?.compaction?.turnsCompacted,
      tokensBefore: checkpoint?.compaction?.tokensBefore,
      tokensAfter: checkpoint?.compaction?.tokensAfter,
    });
    // The stream's last event carries the note too, for a browser that watched the reply live.
    const socket = await TaskSocketClient.open(gateway.url, client.cookie);
    socket.send({ type: 'subscribe', taskId: compactedTask, fromSeq: 0 });
    const end = await socket.waitFor(
      (message) => message.type === 'task-event' && message.event?.type === 'message-end',
    );
    await socket.close();
    expect(end.event.compaction).toEqual(messages[index + 1]?.compaction);
    const usage = await client.request('GET', `/api/v1/sessions/${sessionId}/context-usage`);
    expect(usage.body.compactions).toBeGreaterThanOrEqual(1);
    expect(usage.body.percent).toBeLessThanOrEqual(100);
  });

  it("deletes the agent's side with the chat, and only the gateway side while the agent is down", async () => {
    const client = new ApiClient(gateway.url);
    const kept = await newChat(client);
    await say(client, kept, 'I like green.');
    const keptUsage = (await client.request('GET', `/api/v1/sessions/${kept}/context-usage`)).body;

    const removed = await newChat(client);
    await say(client, removed, 'Forget me.');
    const deleted = await client.request('DELETE', `/api/v1/sessions/${removed}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ sessionId: removed, deleted: true, agentDeleted: true });
    const agentSide = await fetch(
      `${agent.url}/mesh/v1/sessions/context-usage?sessionId=${removed}&userId=${encodeURIComponent(
        (await client.request('GET', '/api/v1/config')).body.user.id as string,
      )}`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
    expect(agentSide.status).toBe(404);

    await agent.kill('SIGKILL');
    // Agent down: the last figures the gateway recorded, flagged as such.
    const fallback = await client.request('GET', `/api/v1/sessions/${kept}/context-usage`);
    expect(fallback.status).toBe(200);
    expect(fallback.body).toMatchObject({
      source: 'gateway',
      inputTokens: keptUsage.inputTokens,
      contextWindow: 1500,
      percent: keptUsage.percent,
      compactions: 0,
    });
    expect(fallback.body.message).toContain('last figures the gateway recorded');
    const refused = await client.request('POST', `/api/v1/sessions/${kept}/compact`, {});
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('AGENT_UNAVAILABLE');

    const orphaned = await client.request('DELETE', `/api/v1/sessions/${kept}`);
    expect(orphaned.status).toBe(200);
    expect(orphaned.body).toMatchObject({ sessionId: kept, deleted: true, agentDeleted: false });
    expect(orphaned.body.agentError).toContain('assistant');
    expect((await client.request('GET', `/api/v1/sessions/${kept}`)).status).toBe(404);
  });
});
