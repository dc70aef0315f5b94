import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../server.js';
import type { ScriptedAgent } from '../testing/scripted-a2a-agent.js';
import { TaskSocketClient } from '../testing/task-socket-client.js';
import { ApiClient, startGatewayWithAgent, testAuthConfig } from '../testing/test-gateway.js';
import { createOriginCheck } from './origin-check.js';

describe('cross-site request protection', () => {
  let agent: ScriptedAgent;
  let gateway: RunningGateway;
  let client: ApiClient;

  beforeAll(async () => {
    ({ agent, gateway } = await startGatewayWithAgent({
      auth: testAuthConfig({ allowed_origins: ['https://ui.example.com'] }),
    }));
    client = new ApiClient(gateway.url);
    await client.request('GET', '/api/v1/config');
  });

  afterAll(async () => {
    await gateway?.close();
    await agent?.close();
  });

  const createSession = (headers: Record<string, string>) =>
    client.request('POST', '/api/v1/sessions', { agent: 'assistant', name: 'csrf' }, headers);

  const sessionCount = async (): Promise<number> =>
    (await client.request('GET', '/api/v1/sessions')).body.sessions.length as number;

  it('refuses a write from another site with 403 FORBIDDEN and changes nothing', async () => {
    const before = await sessionCount();
    for (const headers of [
      { Origin: 'https://evil.example' },
      { Origin: `${gateway.url.replace('127.0.0.1', 'localhost')}` },
      { Origin: 'null' },
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
    ]) {
      const response = await createSession(headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect(response.body.error.code).toBe('FORBIDDEN');
      expect(response.body.error.message).toContain('Cross-site request refused');
    }
    const sessionId = (await createSession({})).body.id as string;
    for (const [method, path, body] of [
      ['PATCH', `/api/v1/sessions/${sessionId}`, { name: 'renamed' }],
      ['DELETE', `/api/v1/sessions/${sessionId}`, undefined],
      ['POST', `/api/v1/sessions/${sessionId}/messages`, { text: 'hi' }],
    ] as const) {
      const response = await client.request(method, path, body, { Origin: 'https://evil.example' });
      expect(response.status, `${method} ${path}`).toBe(403);
    }
    const kept = await client.request('GET', `/api/v1/sessions/${sessionId}`);
    expect(kept.body.name).toBe('csrf');
    expect(await sessionCount()).toBe(before + 1);
  });

  it('allows writes from the gateway itself, configured origins and non-browser clients', async () => {
    expect((await createSession({ Origin: gateway.url })).status).toBe(201);
    expect((await createSession({ Origin: 'https://ui.example.com' })).status).toBe(201);
    expect((await createSession({ 'Sec-Fetch-Site': 'same-origin' })).status).toBe(201);
    expect((await createSession({})).status).toBe(201);
    // Behind a proxy that rewrites Host, the public host arrives in X-Forwarded-Host.
    expect(
      (
        await createSession({
          Origin: 'https://chat.example.com',
          'X-Forwarded-Host': 'chat.example.com',
        })
      ).status,
    ).toBe(201);
  });

  it('lets reads through whatever the Origin (the browser keeps the answer from the other site)', async () => {
    const response = await client.request('GET', '/api/v1/sessions', undefined, {
      Origin: 'https://evil.example',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a WebSocket opened by another site', async () => {
    await expect(
      TaskSocketClient.open(gateway.url, client.cookie, 'https://evil.example'),
    ).rejects.toThrow('403');
    await expect(TaskSocketClient.open(gateway.url, client.cookie, 'null')).rejects.toThrow('403');
    const configured = await TaskSocketClient.open(
      gateway.url,
      client.cookie,
      'https://ui.example.com',
    );
    await configured.close();
    const own = await TaskSocketClient.open(gateway.url, client.cookie, gateway.url);
    await own.close();
  });
});

describe('createOriginCheck', () => {
  const request = (headers: Record<string, string>, remoteAddress = '192.0.2.10') =>
    ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage;
  const check = createOriginCheck({
    publicUrl: 'https://chat.example.com/some/path',
    allowedOrigins: [],
    isTrustedProxy: (address) => address === '10.0.0.5',
  });

  it('accepts public_url and the Host, default ports included', () => {
    expect(check.check(request({ origin: 'https://chat.example.com' })).allowed).toBe(true);
    expect(
      check.check(request({ origin: 'https://gw.internal', host: 'gw.internal:443' })).allowed,
    ).toBe(true);
    expect(
      check.check(request({ origin: 'http://gw.internal:8000', host: 'gw.internal:8000' })).allowed,
    ).toBe(true);
    expect(
      check.check(request({ origin: 'http://gw.internal:8001', host: 'gw.internal:8000' })).allowed,
    ).toBe(false);
  });

  it('trusts X-Forwarded-Host only from a trusted proxy', () => {
    const headers = {
      origin: 'https://other.example',
      host: 'gw:8000',
      'x-forwarded-host': 'other.example',
    };
    expect(check.check(request(headers, '10.0.0.5')).allowed).toBe(true);
    expect(check.check(request(headers, '10.0.0.6'))).toEqual({
      allowed: false,
      reason: 'the page at https://other.example is not this gateway (gw:8000)',
    });
  });

  it('refuses malformed origins', () => {
    expect(check.check(request({ origin: 'not a url', host: 'gw' })).allowed).toBe(false);
  });
});
