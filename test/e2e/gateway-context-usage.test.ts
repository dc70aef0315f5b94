import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { ApiClient } from '../../packages/gateway/src/testing/test-gateway.js';
import {
  callAgentManagement,
  fixturePath,
  startAgentProcess,
  stopMeshProcesses,
  type AgentProcess,
} from './helpers/index.js';
import { startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.js';

// Context usage as the browser reads it from a real gateway process, for a real agent that delegates
// to a real peer: the figures come from the agent's stored events, so they survive a page refresh and
// a gateway restart, drop after "Compress conversation", and describe the chat's own agent when a peer
// answered a turn.

interface Usage {
  source: 'agent' | 'gateway';
  inputTokens: number | null;
  estimated: boolean;
  contextWindow: number | null;
  percent: number | null;
  compactions: number;
}

const databases: TestDatabase[] = [];
let researcher: AgentProcess;
let assistant: AgentProcess;
let gateway: GatewayProcess;
let gatewayEnv: Record<string, string>;

async function usageOf(client: ApiClient, sessionId: string): Promise<Usage> {
  const response = await client.request('GET', `/api/v1/sessions/${sessionId}/context-usage`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as Usage;
}

async function say(
  client: ApiClient,
  sessionId: string,
  text: string,
): Promise<{ text: string; usage: { inputTokens: number } }> {
  const sent = await client.request('POST', `/api/v1/sessions/${sessionId}/messages?wait=true`, {
    text,
  });
  expect(sent.body.status, JSON.stringify(sent.body)).toBe('completed');
  return sent.body;
}

beforeAll(async () => {
  const [gatewayDatabase, assistantDatabase, researcherDatabase] = await Promise.all([
    createTestDatabase('sqlite'),
    createTestDatabase('sqlite'),
    createTestDatabase('sqlite'),
  ]);
  databases.push(gatewayDatabase, assistantDatabase, researcherDatabase);
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
  gatewayEnv = { GATEWAY_DATABASE_URL: gatewayDatabase.url, AGENT_URL: assistant.url };
  gateway = await startGatewayProcess(fixturePath('gateway/gateway-sql.yaml'), {
    env: gatewayEnv,
  });
});

afterAll(async () => {
  await stopMeshProcesses();
  for (const database of databases) await database.drop();
});

describe('context usage through the gateway', () => {
  it('stays the same after a refresh and a gateway restart, and drops after compression', async () => {
    const browser = new ApiClient(gateway.url);
    const sessionId = (await browser.request('POST', '/api/v1/sessions', { agent: 'assistant' }))
      .body.id as string;
    const facts = [
      'My name is Ada Lovelace.',
      'I live in London.',
      'My favourite colour is teal.',
      'I have a cat called Babbage.',
    ];
    let last: { usage: { inputTokens: number } } | undefined;
    for (const text of facts) last = await say(browser, sessionId, text);

    const before = await usageOf(browser, sessionId);
    expect(before).toMatchObject({
      source: 'agent',
      estimated: false,
      contextWindow: 4096,
      compactions: 0,
      // One model call per turn: the provider-reported input tokens of the last reply.
      inputTokens: last?.usage.inputTokens,
    });
    expect(before.percent).toBe(Math.round(((before.inputTokens ?? 0) / 4096) * 1000) / 10);

    // A refresh: a new page with the same cookie reads the same figures (nothing lives in the page).
    const refreshed = new ApiClient(gateway.url);
    refreshed.cookie = browser.cookie;
    expect(await usageOf(refreshed, sessionId)).toEqual(before);

    // The gateway restarts: still the same, read from the agent's stored events.
    await gateway.kill('SIGKILL');
    gateway = await startGatewayProcess(fixturePath('gateway/gateway-sql.yaml'), {
      env: gatewayEnv,
    });
    const afterRestart = new ApiClient(gateway.url);
    afterRestart.cookie = browser.cookie;
    expect(await usageOf(afterRestart, sessionId)).toEqual(before);

    const compacted = await afterRestart.request('POST', `/api/v1/sessions/${sessionId}/compact`, {
      percentage: 0.5,
    });
    expect(compacted.body).toMatchObject({ status: 'compacted', turnsCompacted: 2 });
    const after = await usageOf(afterRestart, sessionId);
    expect(after).toMatchObject({ source: 'agent', estimated: true, compactions: 1 });
    expect(after.percent).toBeLessThan(before.percent ?? 0);
    expect(after.inputTokens).toBe(compacted.body.tokensAfter);

    // The next own turn reports the provider's figure again.
    const asked = await say(afterRestart, sessionId, 'What is my name?');
    expect(asked.text).toBe('Your name is Ada Lovelace.');
    const next = await usageOf(afterRestart, sessionId);
    expect(next).toMatchObject({ estimated: false, compactions: 1 });
    expect(next.inputTokens).toBe(asked.usage.inputTokens);
  });

  it("describes the chat's own agent after a turn a peer answered, not the peer", async () => {
    const browser = new ApiClient(gateway.url);
    const user = (await browser.request('GET', '/api/v1/config')).body.user.id as string;
    const sessionId = (await browser.request('POST', '/api/v1/sessions', { agent: 'assistant' }))
      .body.id as string;
    await say(browser, sessionId, 'My name is Ada Lovelace.');
    const own = await usageOf(browser, sessionId);
    expect(own.estimated).toBe(false);

    const delegated = await say(browser, sessionId, '@researcher My favourite colour is teal.');
    const history = (await browser.request('GET', `/api/v1/sessions/${sessionId}/messages`)).body
      .messages as Array<{ role: string; usage?: { inputTokens: number } }>;
    expect(history.at(-1)?.usage?.inputTokens).toBe(delegated.usage.inputTokens);

    const afterPeer = await usageOf(browser, sessionId);
    // The assistant's context grew by the delegated exchange; the figure is its own estimate.
    expect(afterPeer).toMatchObject({ source: 'agent', estimated: true, contextWindow: 4096 });
    expect(afterPeer.inputTokens).toBeGreaterThan(own.inputTokens ?? 0);
    // The peer's own context is a different one: what it reported for the delegated turn.
    const peer = await callAgentManagement<Usage>(
      researcher.url,
      'GET',
      '/sessions/context-usage',
      {
        query: { sessionId, userId: user },
      },
    );
    expect(peer.status).toBe(200);
    expect(peer.body.inputTokens).toBe(delegated.usage.inputTokens);
    expect(afterPeer.inputTokens).not.toBe(peer.body.inputTokens);

    // Agent down: the gateway's own last record, which skips the peer's figures, flagged as such.
    await assistant.kill('SIGKILL');
    const fallback = await usageOf(browser, sessionId);
    expect(fallback).toMatchObject({
      source: 'gateway',
      inputTokens: own.inputTokens,
      estimated: true,
      contextWindow: 4096,
    });
  });
});
