import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../packages/gateway/src/testing/test-gateway.js';
import {
  fixturePath,
  startAgentProcess,
  stopMeshProcesses,
  type AgentProcess,
} from './helpers/index.js';
import { startGatewayProcess } from './helpers/gateway-process.js';

describe('gateway with session_service.type: memory', () => {
  let agent: AgentProcess;

  beforeAll(async () => {
    agent = await startAgentProcess(fixturePath('agents/recall-memory.yaml'));
  });

  afterAll(async () => {
    await stopMeshProcesses();
  });

  it('says history is in memory, and loses it when the gateway restarts', async () => {
    let gateway = await startGatewayProcess(fixturePath('gateway/gateway-memory.yaml'), {
      env: { AGENT_URL: agent.url },
    });
    const browser = new ApiClient(gateway.url);
    const config = (await browser.request('GET', '/api/v1/config')).body;
    expect(config.persistence).toBe('memory');
    expect(config.warnings.join(' ')).toContain('lost when the gateway restarts');
    const agents = (await browser.request('GET', '/api/v1/agents')).body.agents;
    // Both forget on restart, so the gateway does not warn about the agent.
    expect(agents).toEqual([
      expect.objectContaining({ name: 'assistant', persistence: 'memory', available: true }),
    ]);
    expect(agents[0].warning).toBeUndefined();

    const sessionId = (await browser.request('POST', '/api/v1/sessions', { agent: 'assistant' }))
      .body.id;
    const sent = await browser.request('POST', `/api/v1/sessions/${sessionId}/messages?wait=true`, {
      text: 'My favorite color is blue',
    });
    expect(sent.body.status).toBe('completed');
    expect((await browser.request('GET', '/api/v1/sessions')).body.sessions).toHaveLength(1);

    await gateway.kill('SIGTERM');
    gateway = await startGatewayProcess(fixturePath('gateway/gateway-memory.yaml'), {
      env: { AGENT_URL: agent.url },
    });
    const again = new ApiClient(gateway.url);
    again.cookie = browser.cookie;
    const after = (await again.request('GET', '/api/v1/config')).body;
    expect(after.persistence).toBe('memory');
    expect(after.user.id).not.toBe(config.user.id);
    expect((await again.request('GET', '/api/v1/sessions')).body.sessions).toEqual([]);
    expect((await again.request('GET', `/api/v1/sessions/${sessionId}/messages`)).status).toBe(404);
  });
});
