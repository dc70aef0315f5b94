import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyDefaultConfig } from './copy-default-config.js';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('copyDefaultConfig', () => {
  it('moves the gateway and agent ports everywhere they appear and unsets the variables the YAML reads', async () => {
    const root = mkdtempSync(join(tmpdir(), 'copy-config-'));
    folders.push(root);
    const source = join(root, 'config');
    mkdirSync(join(source, 'agents'), { recursive: true });
    writeFileSync(
      join(source, 'gateway.yaml'),
      'gateway:\n  port: ${PORT, 8000}\n  agents:\n    - { name: a, url: ${A_URL, http://127.0.0.1:8101} }\n',
    );
    writeFileSync(join(source, 'agents', 'a.yaml'), 'agent:\n  name: a\n  port: 8101\n');
    process.env.A_URL = 'http://elsewhere:1';
    const copy = await copyDefaultConfig(source, join(root, 'copy'));
    delete process.env.A_URL;
    const gateway = readFileSync(join(root, 'copy', 'gateway.yaml'), 'utf8');
    const agent = readFileSync(join(root, 'copy', 'agents', 'a.yaml'), 'utf8');
    const agentPort = /port: (\d+)/.exec(agent)?.[1];
    expect(agentPort).not.toBe('8101');
    expect(gateway).toContain(`http://127.0.0.1:${agentPort}`);
    expect(gateway).not.toContain('8000');
    expect(copy.agentUrls).toEqual([`http://127.0.0.1:${agentPort}`]);
    expect(copy.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(copy.env.A_URL).toBeUndefined();
    expect(copy.env.PORT).toBeUndefined();
    expect(readFileSync(join(source, 'agents', 'a.yaml'), 'utf8')).toContain('port: 8101');
  });
});
