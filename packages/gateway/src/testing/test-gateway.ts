import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type GatewayConfig, type Logger } from '@agent-mesh/shared';
import { startGatewayServer, type RunningGateway, type StartGatewayOptions } from '../server.js';
import { startScriptedAgent, type ScriptedAgent } from './scripted-a2a-agent.js';

/** A gateway config for tests: memory history, one agent, defaults as the loader would apply them. */
export function testGatewayConfig(
  overrides: Partial<GatewayConfig> & { agents: GatewayConfig['agents'] },
): GatewayConfig {
  return {
    host: '127.0.0.1',
    port: 0,
    session_secret_key: 'test-secret',
    session_service: {
      type: 'memory',
      pool: { max_connections: 5, connect_timeout_ms: 10_000, idle_timeout_ms: 30_000 },
    },
    platform_service: { database_url: '' },
    auth: testAuthConfig(),
    limits: { max_body_bytes: 1_048_576 },
    ...overrides,
  };
}

/** An auth section for tests: mode none, loopback as the trusted proxy, the loader's default limits. */
export function testAuthConfig(
  overrides: Partial<GatewayConfig['auth']> = {},
): GatewayConfig['auth'] {
  return {
    mode: 'none',
    users: [],
    header: { name: 'X-Forwarded-User', trusted_proxies: ['127.0.0.1'] },
    allowed_origins: [],
    login_rate_limit: { max_failures_per_user: 5, max_failures_per_ip: 20, window_seconds: 900 },
    ...overrides,
  };
}

/** A logger that keeps tests quiet unless LOG_LEVEL asks for output. */
export function testLogger(): Logger {
  return createLogger('gateway-test', { level: process.env.LOG_LEVEL ?? 'silent' });
}

/** Starts a gateway for a test on a free port, with an empty web root unless one is given. */
export function startTestGateway(
  config: GatewayConfig,
  options: Partial<Omit<StartGatewayOptions, 'config'>> = {},
): Promise<RunningGateway> {
  return startGatewayServer({
    config,
    logger: options.logger ?? testLogger(),
    webRoot: options.webRoot ?? mkdtempSync(join(tmpdir(), 'agent-mesh-web-')),
    gatewayId: options.gatewayId ?? 'test-gateway',
    runner: { recorder: { flushIntervalMs: 20 }, ...options.runner },
    ...(options.store ? { store: options.store } : {}),
    ...(options.agentRefreshIntervalMs
      ? { agentRefreshIntervalMs: options.agentRefreshIntervalMs }
      : {}),
    ...(options.agentProbeIntervalMs ? { agentProbeIntervalMs: options.agentProbeIntervalMs } : {}),
  });
}

/** Starts a scripted agent `assistant` and a test gateway in front of it, with config `overrides`. */
export async function startGatewayWithAgent(
  overrides: Partial<GatewayConfig> = {},
  options: Partial<Omit<StartGatewayOptions, 'config'>> = {},
): Promise<{ agent: ScriptedAgent; gateway: RunningGateway }> {
  const agent = await startScriptedAgent();
  const gateway = await startTestGateway(
    testGatewayConfig({ agents: [{ name: 'assistant', url: agent.url }], ...overrides }),
    options,
  );
  return { agent, gateway };
}

/** An HTTP response as tests read it. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A browser stand-in: real HTTP with one cookie jar (the gateway's session cookie). */
export class ApiClient {
  cookie: string | undefined;

  constructor(readonly baseUrl: string) {}

  /** Sends a request with the jar's cookie and keeps the cookie the gateway sets. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(this.cookie ? { Cookie: this.cookie } : {}),
        ...headers,
      },
      ...(body !== undefined
        ? { body: typeof body === 'string' ? body : JSON.stringify(body) }
        : {}),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (the web UI page): keep the text.
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }
}
