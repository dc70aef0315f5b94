import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../server.js';
import { startScriptedAgent, type ScriptedAgent } from '../testing/scripted-a2a-agent.js';
import { ApiClient, startTestGateway, testGatewayConfig } from '../testing/test-gateway.js';
import { createAddressMatcher } from './address-matcher.js';

describe('createAddressMatcher', () => {
  it('matches addresses and CIDR ranges, IPv4-mapped and loopback spellings', () => {
    const matches = createAddressMatcher(['127.0.0.1', '10.1.0.0/16', 'fd00::/8'], 'test');
    expect(matches('127.0.0.1')).toBe(true);
    expect(matches('::ffff:127.0.0.1')).toBe(true);
    expect(matches('::1')).toBe(true);
    expect(matches('10.1.200.3')).toBe(true);
    expect(matches('10.2.0.1')).toBe(false);
    expect(matches('fd12::1')).toBe(true);
    expect(matches('192.168.0.1')).toBe(false);
    expect(matches(undefined)).toBe(false);
  });

  it('rejects an entry that is not an address, naming the setting', () => {
    expect(() =>
      createAddressMatcher(['proxy.local'], 'gateway.auth.header.trusted_proxies'),
    ).toThrow('gateway.auth.header.trusted_proxies has "proxy.local"');
    expect(() => createAddressMatcher(['10.0.0.0/40'], 'x')).toThrow(
      'not an IP address or CIDR range',
    );
  });
});

describe('auth modes', () => {
  let agent: ScriptedAgent;
  let gateway: RunningGateway;

  beforeAll(async () => {
    agent = await startScriptedAgent();
    gateway = await startTestGateway(
      testGatewayConfig({
        agents: [{ name: 'assistant', url: agent.url }],
        auth: {
          mode: 'header',
          users: [],
          header: { name: 'X-Forwarded-User', trusted_proxies: ['127.0.0.1'] },
        },
      }),
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await agent?.close();
  });

  it('takes the user from the header set by a trusted proxy, and refuses requests without it', async () => {
    const alice = new ApiClient(gateway.url);
    const config = await alice.request('GET', '/api/v1/config', undefined, {
      'X-Forwarded-User': 'alice',
    });
    expect(config.body.user).toEqual({ id: 'user:alice', name: 'alice' });
    expect(config.body.auth).toEqual({ mode: 'header' });
    const sessionId = (
      await alice.request(
        'POST',
        '/api/v1/sessions',
        { agent: 'assistant' },
        { 'X-Forwarded-User': 'alice' },
      )
    ).body.id;
    const bob = await new ApiClient(gateway.url).request(
      'GET',
      `/api/v1/sessions/${sessionId}`,
      undefined,
      {
        'X-Forwarded-User': 'bob',
      },
    );
    expect(bob.status).toBe(404);
    const anonymous = await new ApiClient(gateway.url).request('GET', '/api/v1/sessions');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses to start in password mode, which this version does not offer', async () => {
    await expect(
      startTestGateway(
        testGatewayConfig({
          agents: [{ name: 'assistant', url: agent.url }],
          auth: {
            mode: 'password',
            users: [],
            header: { name: 'X-Forwarded-User', trusted_proxies: [] },
          },
        }),
      ),
    ).rejects.toThrow('"password" is not available');
  });
});
