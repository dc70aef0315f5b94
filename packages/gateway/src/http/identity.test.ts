import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningGateway } from '../server.js';
import type { ScriptedAgent } from '../testing/scripted-a2a-agent.js';
import {
  ApiClient,
  startGatewayWithAgent,
  startTestGateway,
  testAuthConfig,
  testGatewayConfig,
} from '../testing/test-gateway.js';
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
    ({ agent, gateway } = await startGatewayWithAgent({
      auth: testAuthConfig({ mode: 'header' }),
    }));
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

  it('never trusts the header from an address outside trusted_proxies: 401, not anonymous', async () => {
    // The gateway listens on 127.0.0.1; a client bound to 127.0.0.2 is another (untrusted) address.
    const fromUntrusted = await requestFrom('127.0.0.2', `${gateway.url}/api/v1/config`, {
      'X-Forwarded-User': 'alice',
    });
    expect(fromUntrusted.status).toBe(401);
    expect(JSON.parse(fromUntrusted.body)).toMatchObject({
      error: { code: 'UNAUTHENTICATED', details: { authMode: 'header' } },
    });
    const fromTrusted = await requestFrom('127.0.0.1', `${gateway.url}/api/v1/config`, {
      'X-Forwarded-User': 'alice',
    });
    expect(fromTrusted.status).toBe(200);
    expect(JSON.parse(fromTrusted.body).user).toEqual({ id: 'user:alice', name: 'alice' });

    const wsUrl = `${gateway.url.replace(/^http/, 'ws')}/api/v1/ws`;
    expect(await upgradeStatus(wsUrl, '127.0.0.2', { 'X-Forwarded-User': 'alice' })).toBe(401);
    expect(await upgradeStatus(wsUrl, '127.0.0.1', { 'X-Forwarded-User': 'alice' })).toBe(101);
    expect(await upgradeStatus(wsUrl, '127.0.0.1', {})).toBe(401);
  });

  it('refuses to start with a trusted proxy that is not an address', async () => {
    await expect(
      startTestGateway(
        testGatewayConfig({
          agents: [{ name: 'assistant', url: agent.url }],
          auth: testAuthConfig({
            mode: 'header',
            header: { name: 'X-Forwarded-User', trusted_proxies: ['proxy.local'] },
          }),
        }),
      ),
    ).rejects.toThrow('gateway.auth.header.trusted_proxies has "proxy.local"');
  });
});

/**
 * A GET from a chosen local address (the loopback range is all ours: 127.0.0.2 is "another host").
 */
function requestFrom(
  localAddress: string,
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { localAddress, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** The status a WebSocket upgrade from `localAddress` gets: 101 when it opens. */
function upgradeStatus(
  url: string,
  localAddress: string,
  headers: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { localAddress, headers });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', reject);
  });
}
