import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot, startMeshProcess } from './helpers/index.js';

// The Docker Compose example of docs/deployment.md cannot run here (no Docker engine), so this checks
// what can be checked without one: the Compose file parses and wires what it claims, and every
// agent-mesh service's YAML passes `agent-mesh config check` with the environment Compose gives it.

const folder = join(repoRoot, 'deploy/compose');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
}

/** Values of deploy/compose/.env.example, as `docker compose` would read a copied .env. */
function exampleEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(folder, '.env.example'), 'utf8').split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (match) env[match[1] ?? ''] = match[2] ?? '';
  }
  return env;
}

/** Compose interpolation: ${VAR}, ${VAR:-default} and ${VAR:?error} (the error when VAR is unset). */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z_][A-Z0-9_]*)(?::([-?])([^}]*))?\}/g,
    (_match, name: string, kind, rest: string) => {
      const given = env[name];
      if (given !== undefined && given !== '') return given;
      if (kind === '-') return rest;
      throw new Error(`docker-compose.yml needs ${name}: ${rest ?? 'unset'}`);
    },
  );
}

function loadCompose(): Record<string, ComposeService> {
  const document = parse(readFileSync(join(folder, 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
  expect(Object.keys(document.volumes)).toEqual(['postgres-data']);
  return document.services;
}

describe('the Docker Compose example', () => {
  it('runs PostgreSQL, two replicas of the agent and two gateways from one image, behind nginx', () => {
    const services = loadCompose();
    expect(Object.keys(services).sort()).toEqual([
      'assistant-1',
      'assistant-2',
      'gateway-1',
      'gateway-2',
      'nginx',
      'postgres',
    ]);
    const meshServices = ['assistant-1', 'assistant-2', 'gateway-1', 'gateway-2'];
    for (const name of meshServices) {
      const service = services[name];
      expect(service?.image, name).toBe('agent-mesh:local');
      expect(service?.build).toEqual({ context: '../..', dockerfile: 'deploy/compose/Dockerfile' });
      expect(service?.volumes).toEqual(['./config:/config:ro']);
      expect(service?.healthcheck?.test.join(' ')).toContain('/readyz');
    }
    expect(services['assistant-1']?.command).toEqual([
      'agent',
      '--config',
      '/config/assistant.yaml',
    ]);
    expect(services['gateway-2']?.command).toEqual(['gateway', '--config', '/config/gateway.yaml']);
    expect(services.nginx?.ports).toEqual(['${HTTP_PORT:-8080}:80']);

    const dockerfile = readFileSync(join(folder, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('ENTRYPOINT ["node", "packages/cli/dist/main.js"]');
    expect(existsSync(join(repoRoot, 'packages/cli/dist/main.js'))).toBe(true);

    // nginx balances over exactly the gateway services, on the port they listen on.
    const nginx = readFileSync(join(folder, 'nginx.conf'), 'utf8');
    const upstream = [...nginx.matchAll(/^\s*server (\S+):(\d+)/gm)].map((match) => match[1]);
    expect(upstream).toEqual(['gateway-1', 'gateway-2']);
    expect(nginx).toContain('proxy_set_header Upgrade $http_upgrade;');
    for (const name of ['gateway-1', 'gateway-2']) {
      expect(services[name]?.environment?.PORT).toBe('8000');
    }
  });

  it("passes agent-mesh config check with each service's environment", async () => {
    const services = loadCompose();
    const env = exampleEnv();
    for (const name of ['assistant-1', 'gateway-1']) {
      const service = services[name];
      const environment = Object.fromEntries(
        Object.entries(service?.environment ?? {}).map(([key, value]) => [
          key,
          interpolate(String(value), env),
        ]),
      );
      const file = (service?.command?.[2] ?? '').replace('/config/', 'deploy/compose/config/');
      const check = startMeshProcess(['config', 'check', file], { env: environment });
      const exit = await check.exited;
      expect(exit.code, check.output()).toBe(0);
      expect(check.output()).toContain(`ok ${file}`);
    }
  });
});
