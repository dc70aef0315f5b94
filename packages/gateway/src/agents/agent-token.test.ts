import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../server.js';
import {
  scriptedReply,
  startScriptedAgent,
  type ScriptedAgent,
} from '../testing/scripted-a2a-agent.js';
import { ApiClient, startTestGateway, testGatewayConfig } from '../testing/test-gateway.js';

describe('agent tokens', () => {
  let agent: ScriptedAgent;
  let gateway: RunningGateway;

  beforeAll(async () => {
    agent = await startScriptedAgent({ token: 'let-me-in' });
    gateway = await startTestGateway(
      testGatewayConfig({
        agents: [
          { name: 'guarded', url: agent.url, token: 'let-me-in' },
          { name: 'wrong', url: agent.url, token: 'guess' },
          { name: 'tokenless', url: agent.url },
        ],
      }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await agent?.close();
  });

  async function chat(agentName: string) {
    const client = new ApiClient(gateway.url);
    const session = await client.request('POST', '/api/v1/sessions', { agent: agentName });
    return client.request('POST', `/api/v1/sessions/${session.body.id}/messages?wait=true`, {
      text: `hello ${agentName}`,
    });
  }

  it('sends the configured bearer token on card fetches and every A2A call', async () => {
    agent.requests.length = 0;
    await gateway.agents.refresh('guarded');
    const reply = await chat('guarded');
    expect(reply.body).toMatchObject({ status: 'completed', text: scriptedReply('hello guarded') });
    expect(agent.requests.length).toBeGreaterThanOrEqual(2);
    expect(agent.requests.some((line) => line.startsWith('GET /.well-known/agent-card.json'))).toBe(
      true,
    );
    expect(agent.requests.some((line) => line.startsWith('POST /'))).toBe(true);
    for (const line of agent.requests) expect(line).toMatch(/ Bearer let-me-in$/);
  });

  it("fails the turn with the agent's refusal when the token is wrong or missing", async () => {
    for (const name of ['wrong', 'tokenless']) {
      const reply = await chat(name);
      expect(reply.body.status, name).toBe('failed');
      expect(reply.body.error, name).toContain('Bearer token required.');
    }
    expect(agent.received.map((message) => message.text)).toEqual(['hello guarded']);
  });
});
