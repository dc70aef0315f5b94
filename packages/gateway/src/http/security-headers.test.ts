import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../server.js';
import type { ScriptedAgent } from '../testing/scripted-a2a-agent.js';
import { startGatewayWithAgent } from '../testing/test-gateway.js';

describe('security headers', () => {
  let agent: ScriptedAgent;
  let gateway: RunningGateway;

  beforeAll(async () => {
    const webRoot = mkdtempSync(join(tmpdir(), 'agent-mesh-web-'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(webRoot, 'app.js'), 'export {};');
    ({ agent, gateway } = await startGatewayWithAgent({}, { webRoot }));
  });

  afterAll(async () => {
    await gateway?.close();
    await agent?.close();
  });

  it('sends them on pages, assets, API answers, errors and health checks', async () => {
    const requests: [string, RequestInit][] = [
      ['/', { headers: { Accept: 'text/html' } }],
      ['/chat/web-session-x', { headers: { Accept: 'text/html' } }],
      ['/app.js', {}],
      ['/api/v1/config', {}],
      ['/api/v1/nothing-here', {}],
      [
        '/api/v1/sessions',
        { method: 'POST', body: '{', headers: { 'Content-Type': 'application/json' } },
      ],
      ['/healthz', {}],
    ];
    for (const [path, init] of requests) {
      const response = await fetch(`${gateway.url}${path}`, init);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('referrer-policy'), path).toBe('same-origin');
      expect(response.headers.get('x-powered-by'), path).toBeNull();
      expect(response.headers.get('strict-transport-security'), path).toBeNull();
      if (path.startsWith('/api/')) {
        expect(response.headers.get('cache-control'), path).toBe('no-store');
      }
      await response.arrayBuffer();
    }
  });

  it('adds HSTS only behind TLS', async () => {
    const response = await fetch(`${gateway.url}/healthz`, {
      headers: { 'X-Forwarded-Proto': 'https' },
    });
    expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000');
  });
});
