import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../auth/password-hash.js';
import type { RunningGateway } from '../server.js';
import type { ScriptedAgent } from '../testing/scripted-a2a-agent.js';
import { TaskSocketClient } from '../testing/task-socket-client.js';
import { ApiClient, startGatewayWithAgent, testAuthConfig } from '../testing/test-gateway.js';

const cheap = { N: 1024, r: 8, p: 1 };

/**
 * A browser stand-in whose requests seem to come from `address` (X-Forwarded-For via loopback,
 * trusted).
 */
function clientFrom(gateway: RunningGateway, address: string) {
  const client = new ApiClient(gateway.url);
  return {
    client,
    request: (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      client.request(method, path, body, { 'X-Forwarded-For': address, ...headers }),
    login: (username: string, password: string) =>
      client.request(
        'POST',
        '/api/v1/auth/login',
        { username, password },
        { 'X-Forwarded-For': address },
      ),
  };
}

describe('password mode', () => {
  let agent: ScriptedAgent;
  let gateway: RunningGateway;

  beforeAll(async () => {
    ({ agent, gateway } = await startGatewayWithAgent({
      auth: testAuthConfig({
        mode: 'password',
        users: [
          { username: 'alice', password_hash: await hashPassword('alice password', cheap) },
          { username: 'bob', password_hash: await hashPassword('bob password', cheap) },
          { username: 'carol', password_hash: await hashPassword('carol password', cheap) },
        ],
        login_rate_limit: {
          max_failures_per_user: 3,
          max_failures_per_ip: 6,
          window_seconds: 900,
        },
      }),
    }));
  });

  afterAll(async () => {
    await gateway?.close();
    await agent?.close();
  });

  it('refuses the API and the WebSocket before sign-in with a 401 naming password mode', async () => {
    const anonymous = clientFrom(gateway, '198.51.100.1');
    for (const path of [
      '/api/v1/config',
      '/api/v1/sessions',
      '/api/v1/agents',
      '/api/v1/auth/me',
      '/api/v1/platform/anything',
    ]) {
      const response = await anonymous.request('GET', path);
      expect(response.status, path).toBe(401);
      expect(response.body.error).toMatchObject({
        code: 'UNAUTHENTICATED',
        details: { authMode: 'password' },
      });
      expect(response.headers.get('set-cookie'), path).toBeNull();
    }
    const create = await anonymous.request('POST', '/api/v1/sessions', { agent: 'assistant' });
    expect(create.status).toBe(401);
    await expect(TaskSocketClient.open(gateway.url, undefined)).rejects.toThrow('401');
    // The page itself loads, so the browser can show the login form.
    const page = await fetch(`${gateway.url}/chat/x`, { headers: { Accept: 'text/html' } });
    expect(page.status).toBe(200);
  });

  it('signs in with HttpOnly SameSite cookies, and each user sees only their own chats', async () => {
    const alice = clientFrom(gateway, '198.51.100.2');
    const login = await alice.login('alice', 'alice password');
    expect(login.status).toBe(200);
    expect(login.body).toEqual({
      user: { id: 'user:alice', name: 'alice' },
      auth: { mode: 'password' },
    });
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^agent_mesh\.sid=/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).not.toContain('Secure');
    expect((await alice.request('GET', '/api/v1/auth/me')).body.user).toEqual({
      id: 'user:alice',
      name: 'alice',
    });
    const config = await alice.request('GET', '/api/v1/config');
    expect(config.body).toMatchObject({ user: { id: 'user:alice' }, auth: { mode: 'password' } });
    const session = await alice.request('POST', '/api/v1/sessions', { agent: 'assistant' });
    expect(session.status).toBe(201);

    const bob = clientFrom(gateway, '198.51.100.3');
    expect((await bob.login('bob', 'bob password')).status).toBe(200);
    expect((await bob.request('GET', `/api/v1/sessions/${session.body.id}`)).status).toBe(404);
    expect((await bob.request('GET', '/api/v1/sessions')).body.sessions).toEqual([]);

    const socket = await TaskSocketClient.open(gateway.url, alice.client.cookie);
    await socket.close();

    const behindTls = await clientFrom(gateway, '198.51.100.2').request(
      'POST',
      '/api/v1/auth/login',
      { username: 'alice', password: 'alice password' },
      { 'X-Forwarded-Proto': 'https' },
    );
    expect(behindTls.headers.get('set-cookie')).toContain('Secure');
  });

  it('gives a new session id at sign-in; the old one no longer works', async () => {
    const browser = clientFrom(gateway, '198.51.100.4');
    await browser.login('alice', 'alice password');
    const before = browser.client.cookie;
    expect(before).toBeDefined();
    const again = await browser.login('carol', 'carol password');
    expect(again.status).toBe(200);
    const after = browser.client.cookie;
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect((await browser.request('GET', '/api/v1/auth/me')).body.user.id).toBe('user:carol');

    const stale = new ApiClient(gateway.url);
    stale.cookie = before;
    const refused = await stale.request('GET', '/api/v1/sessions');
    expect(refused.status).toBe(401);
    await expect(TaskSocketClient.open(gateway.url, before)).rejects.toThrow('401');
  });

  it('answers a wrong password and an unknown user with the same generic 401', async () => {
    const guesser = clientFrom(gateway, '198.51.100.5');
    const wrongPassword = await guesser.login('alice', 'not it');
    const unknownUser = await guesser.login('mallory', 'alice password');
    expect(wrongPassword.status).toBe(401);
    expect(unknownUser.status).toBe(401);
    expect(wrongPassword.body.error.message).toBe('Wrong username or password.');
    expect(unknownUser.body.error).toEqual(wrongPassword.body.error);
    expect(wrongPassword.headers.get('set-cookie')).toBeNull();
    const malformed = await guesser.client.request(
      'POST',
      '/api/v1/auth/login',
      { username: 'alice' },
      { 'X-Forwarded-For': '198.51.100.5' },
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toContain('must have the property "password"');
  });

  it('limits failed sign-ins per username: 429 with Retry-After, even with the right password', async () => {
    for (const address of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
      expect((await clientFrom(gateway, address).login('bob', 'guess')).status).toBe(401);
    }
    const blocked = await clientFrom(gateway, '203.0.113.4').login('bob', 'bob password');
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('RATE_LIMITED');
    expect(blocked.body.error.message).toMatch(
      /^Too many failed sign-ins\. Try again in 15 minutes\.$/,
    );
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(890);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect(blocked.body.error.details.retryAfterSeconds).toBe(retryAfter);
    // Other users are not affected.
    expect((await clientFrom(gateway, '203.0.113.4').login('alice', 'alice password')).status).toBe(
      200,
    );
  });

  it('limits failed sign-ins per address across usernames', async () => {
    const sprayer = clientFrom(gateway, '203.0.113.50');
    for (const name of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) {
      expect((await sprayer.login(name, 'password')).status).toBe(401);
    }
    expect((await sprayer.login('alice', 'alice password')).status).toBe(429);
    expect(
      (await clientFrom(gateway, '203.0.113.51').login('alice', 'alice password')).status,
    ).toBe(200);
  });

  it('signs out: the cookie is cleared and the session no longer works', async () => {
    const browser = clientFrom(gateway, '198.51.100.6');
    await browser.login('alice', 'alice password');
    const cookie = browser.client.cookie;
    const logout = await browser.request('POST', '/api/v1/auth/logout');
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(
      /^agent_mesh\.sid=;.*Expires=Thu, 01 Jan 1970/,
    );
    const stale = new ApiClient(gateway.url);
    stale.cookie = cookie;
    expect((await stale.request('GET', '/api/v1/auth/me')).status).toBe(401);
    // Signing out again is harmless.
    expect((await stale.request('POST', '/api/v1/auth/logout')).status).toBe(204);
  });

  it('refuses a sign-in posted by another site', async () => {
    const response = await clientFrom(gateway, '198.51.100.7').request(
      'POST',
      '/api/v1/auth/login',
      { username: 'alice', password: 'alice password' },
      { Origin: 'https://evil.example' },
    );
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('FORBIDDEN');
    expect(response.headers.get('set-cookie')).toBeNull();
  });
});

describe('auth routes outside password mode', () => {
  let agent: ScriptedAgent;
  let gateway: RunningGateway;

  beforeAll(async () => {
    ({ agent, gateway } = await startGatewayWithAgent());
  });

  afterAll(async () => {
    await gateway?.close();
    await agent?.close();
  });

  it('reports the anonymous user and refuses password sign-in in mode none', async () => {
    const client = new ApiClient(gateway.url);
    const me = await client.request('GET', '/api/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      user: { id: expect.stringMatching(/^anon-/), name: 'Anonymous' },
      auth: { mode: 'none' },
    });
    const login = await client.request('POST', '/api/v1/auth/login', {
      username: 'alice',
      password: 'x',
    });
    expect(login.status).toBe(400);
    expect(login.body.error.message).toContain('only available when gateway.auth.mode is password');
    expect((await client.request('POST', '/api/v1/auth/logout')).status).toBe(400);
    expect((await client.request('GET', '/api/v1/auth/me')).body.user.id).toBe(me.body.user.id);
  });
});
