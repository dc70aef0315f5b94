import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { ApiClient } from '../../packages/gateway/src/testing/test-gateway.js';
import { fixturePath, getFreePort, startAgentProcess, stopMeshProcesses } from './helpers/index.js';
import { startGatewayProcess } from './helpers/gateway-process.js';

// The whole mesh dies (SIGKILL, no graceful shutdown) and comes back: the browser's cookie still names
// the same user, the gateway still shows the same history, and the agent still remembers the chat.
describe.each(['sqlite', 'postgresql'] as const)(
  'gateway and agent killed and restarted on %s',
  (provider) => {
    const databases: TestDatabase[] = [];

    afterAll(async () => {
      await stopMeshProcesses();
      for (const database of databases) await database.drop();
    });

    it('keeps the session, its exchanges and the agent memory for the same cookie', async () => {
      const gatewayDatabase = await createTestDatabase(provider);
      const agentDatabase = await createTestDatabase(provider);
      databases.push(gatewayDatabase, agentDatabase);
      const agentPort = await getFreePort();
      const agentEnv = { AGENT_PORT: String(agentPort), AGENT_DATABASE_URL: agentDatabase.url };
      const gatewayEnv = {
        GATEWAY_DATABASE_URL: gatewayDatabase.url,
        AGENT_URL: `http://127.0.0.1:${agentPort}`,
      };

      let agent = await startAgentProcess(fixturePath('agents/recall-sql.yaml'), { env: agentEnv });
      let gateway = await startGatewayProcess(fixturePath('gateway/gateway-sql.yaml'), {
        env: gatewayEnv,
      });
      const browser = new ApiClient(gateway.url);
      const user = (await browser.request('GET', '/api/v1/config')).body.user.id;
      const sessionId = (await browser.request('POST', '/api/v1/sessions', { agent: 'assistant' }))
        .body.id;
      const texts = ['My favorite color is blue', 'My dog is called Rex', 'I live in Lisbon'];
      const replies: string[] = [];
      for (const text of texts) {
        const sent = await browser.request(
          'POST',
          `/api/v1/sessions/${sessionId}/messages?wait=true`,
          { text },
        );
        expect(sent.body.status).toBe('completed');
        replies.push(sent.body.text);
      }
      const before = (await browser.request('GET', `/api/v1/sessions/${sessionId}/messages`)).body
        .messages;

      await gateway.kill('SIGKILL');
      await agent.kill('SIGKILL');
      agent = await startAgentProcess(fixturePath('agents/recall-sql.yaml'), { env: agentEnv });
      gateway = await startGatewayProcess(fixturePath('gateway/gateway-sql.yaml'), {
        env: gatewayEnv,
      });

      const again = new ApiClient(gateway.url);
      again.cookie = browser.cookie;
      expect((await again.request('GET', '/api/v1/config')).body.user.id).toBe(user);
      const sessions = (await again.request('GET', '/api/v1/sessions')).body.sessions;
      expect(sessions.map((session: { id: string }) => session.id)).toEqual([sessionId]);
      const after = (await again.request('GET', `/api/v1/sessions/${sessionId}/messages`)).body
        .messages;
      expect(after).toEqual(before);
      expect(after.map((message: { text: string }) => message.text)).toEqual([
        texts[0],
        replies[0],
        texts[1],
        replies[1],
        texts[2],
        replies[2],
      ]);

      const question = await again.request(
        'POST',
        `/api/v1/sessions/${sessionId}/messages?wait=true`,
        {
          text: 'What is my favorite color?',
        },
      );
      expect(question.body.status).toBe('completed');
      expect(question.body.text.toLowerCase()).toContain('blue');
    });
  },
);
