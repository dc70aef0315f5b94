import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createTempDir,
  getFreePort,
  repoRoot,
  startAgentProcess,
  startMeshProcess,
  stopMeshProcesses,
  waitFor,
  type AgentProcess,
  type TempDir,
} from './helpers/index.js';
import { startGatewayProcess, type GatewayProcess } from './helpers/gateway-process.js';
import { launchWebUiBrowser, type WebUiBrowser } from './helpers/web-ui-browser.js';

// Password mode end to end: a hash made by `agent-mesh auth hash-password`, a gateway process
// signing users in, an agent process that requires its bearer token, and a real Chromium on the
// login page.

const webIndex = join(repoRoot, 'packages/gateway/web/dist/index.html');
const agentToken = 'e2e-agent-token';

let temp: TempDir;
let agent: AgentProcess;
let gateway: GatewayProcess;
let browser: WebUiBrowser;

/** Runs `agent-mesh auth hash-password` with the password on stdin and returns what it printed. */
async function hashWithCli(password: string): Promise<string> {
  const process = startMeshProcess(['auth', 'hash-password'], { stdin: `${password}\n` });
  const exit = await process.exited;
  expect(exit.code, process.output()).toBe(0);
  const lines = process.lines.filter((line) => line.trim() !== '');
  expect(lines).toHaveLength(1);
  return lines[0] ?? '';
}

/** Fetch with one cookie, like a browser tab. */
async function call(
  path: string,
  init: { method?: string; body?: unknown; cookie?: string; headers?: Record<string, string> } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any; cookie?: string; headers: Headers }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(init.cookie ? { Cookie: init.cookie } : {}),
      ...init.headers,
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  const setCookie = response.headers.get('set-cookie')?.split(';')[0];
  return {
    status: response.status,
    body: text ? JSON.parse(text) : undefined,
    ...(setCookie ? { cookie: setCookie } : {}),
    headers: response.headers,
  };
}

beforeAll(async () => {
  if (!existsSync(webIndex)) {
    throw new Error(`${webIndex} is missing: build the web UI first with \`pnpm build\`.`);
  }
  temp = createTempDir('gateway-auth');
  const hash = await hashWithCli('correct horse battery');
  expect(hash).toMatch(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  const agentPort = await getFreePort();
  const agentConfig = temp.write(
    'assistant.yaml',
    [
      'agent:',
      '  name: assistant',
      `  port: ${agentPort}`,
      '  model: { provider: builtin, name: recall, context_window: 4096, delay_ms: 20 }',
      '  session_service: { type: memory }',
      '  auth: { token: "${AGENT_TOKEN}" }',
      '',
    ].join('\n'),
  );
  const gatewayConfig = temp.write(
    'gateway.yaml',
    [
      'gateway:',
      '  port: 0',
      '  session_secret_key: e2e-secret',
      '  session_service:',
      '    type: sql',
      `    database_url: sqlite:///${join(temp.path, 'gateway.db')}`,
      '  agents:',
      `    - { name: assistant, url: "http://127.0.0.1:${agentPort}", token: "\${AGENT_TOKEN}" }`,
      '  auth:',
      '    mode: password',
      '    users:',
      '      - username: alice',
      '        password_hash: ${ALICE_PASSWORD_HASH}',
      '',
    ].join('\n'),
  );
  const env = { AGENT_TOKEN: agentToken, ALICE_PASSWORD_HASH: hash };
  agent = await startAgentProcess(agentConfig, { cwd: temp.path, env });
  gateway = await startGatewayProcess(gatewayConfig, { cwd: temp.path, env });
  browser = await launchWebUiBrowser({ artifactsFolder: 'gateway-auth' });
});

afterEach(() => {
  expect(browser.problems.splice(0)).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await stopMeshProcesses();
  temp?.remove();
});

describe('password mode with real processes', () => {
  it('the agent declares and enforces its token; the gateway chats through it after sign-in', async () => {
    const card = (await (await fetch(`${agent.url}/.well-known/agent-card.json`)).json()) as {
      securitySchemes?: Record<string, unknown>;
      security?: unknown[];
      securityRequirements?: unknown[];
    };
    expect(Object.keys(card.securitySchemes ?? {})).not.toEqual([]);
    expect([...(card.security ?? []), ...(card.securityRequirements ?? [])]).not.toEqual([]);
    const withoutToken = await fetch(`${agent.url}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { id: 'x' } }),
    });
    expect(withoutToken.status).toBe(401);

    expect((await call('/api/v1/sessions')).status).toBe(401);
    const wrong = await call('/api/v1/auth/login', {
      method: 'POST',
      body: { username: 'alice', password: 'wrong' },
    });
    expect(wrong.status).toBe(401);
    const login = await call('/api/v1/auth/login', {
      method: 'POST',
      body: { username: 'alice', password: 'correct horse battery' },
    });
    expect(login.status).toBe(200);
    expect(login.body.user).toEqual({ id: 'user:alice', name: 'alice' });
    const cookie = login.cookie;
    const session = await call('/api/v1/sessions', {
      method: 'POST',
      body: { agent: 'assistant' },
      cookie,
    });
    expect(session.status).toBe(201);
    const reply = await call(`/api/v1/sessions/${session.body.id}/messages?wait=true`, {
      method: 'POST',
      body: { text: 'My favorite color is blue' },
      cookie,
    });
    expect(reply.body).toMatchObject({ status: 'completed' });
    expect(reply.body.text.length).toBeGreaterThan(0);
    // Another site cannot use the cookie to write.
    const forged = await call('/api/v1/sessions', {
      method: 'POST',
      body: { agent: 'assistant' },
      cookie,
      headers: { Origin: 'https://evil.example' },
    });
    expect(forged.status).toBe(403);
  });

  it('signs in on the login page in Chromium, chats under the CSP, and signs out', async () => {
    const { page } = browser;
    // Chromium logs every 401 answer as a console error; the page expects them before sign-in.
    const untolerate = browser.tolerate(/status of 401/);
    const response = await page.goto(`${gateway.url}/`);
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await page.waitForURL(/\/login$/);
    const username = page.getByLabel('Username');
    await expect
      .poll(() => username.evaluate((element) => element === document.activeElement))
      .toBe(true);
    await username.fill('alice');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('Wrong username or password.');
    await browser.screenshot('01-wrong-password');

    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${gateway.url}/`);
    await expect.poll(() => page.locator('.sidebar__user').textContent()).toBe('alice');
    const cookies = await browser.context.cookies(gateway.url);
    expect(cookies.find((cookie) => cookie.name === 'agent_mesh.sid')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
    });

    const input = page.getByRole('textbox', { name: 'Message' });
    await input.fill('Hello from the browser');
    await input.press('Enter');
    await page.waitForURL(/\/chat\/web-session-[0-9a-f-]+$/);
    const chatUrl = page.url();
    await waitFor(
      async () =>
        (await page.locator('[data-role="agent"]').last().getAttribute('data-status')) ===
        'completed',
      { description: 'the reply to complete in the browser' },
    );
    await browser.screenshot('02-signed-in-chat');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    await expect.poll(() => page.getByLabel('Username').isVisible()).toBe(true);
    // A chat address opened while signed out returns there after sign-in.
    await page.goto(chatUrl);
    await page.waitForURL(/\/login\?next=%2Fchat%2Fweb-session-/);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(chatUrl);
    await expect.poll(() => page.locator('[data-role="user"]').count()).toBe(1);
    await browser.screenshot('03-back-in-the-chat');
    untolerate();
  });
});
