import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import { locateStartupError } from './locate-startup-error.js';

const folder = mkdtempSync(join(tmpdir(), 'agent-mesh-locate-'));
const file = join(folder, 'agent.yaml');
writeFileSync(
  file,
  [
    '# an agent',
    'agent:',
    '  name: assistant',
    '  port: ${AGENT_PORT, 8101}',
    '  model: { provider: builtin, name: recall }',
    '  session_service: { type: memory }',
    '',
  ].join('\n'),
);

describe('locateStartupError', () => {
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('points an error about a config value at that value, as file:line:col path problem', () => {
    const error = new MeshError('CONFIG_INVALID', 'Port 8101 on 127.0.0.1 is already in use.', {
      port: 8101,
      configPath: 'agent.port',
      problem: '8101 is already in use on 127.0.0.1',
    });
    const located = locateStartupError(error, file, { env: {} });
    expect(located).toBeInstanceOf(MeshError);
    expect((located as MeshError).code).toBe('CONFIG_INVALID');
    expect((located as MeshError).message).toBe(
      `${file}:4:9 agent.port 8101 is already in use on 127.0.0.1`,
    );
    expect((located as MeshError).details).toMatchObject({ port: 8101, file });
  });

  it('returns other errors, and errors without a config path, unchanged', () => {
    const plain = new Error('boom');
    expect(locateStartupError(plain, file)).toBe(plain);
    const unplaced = new MeshError('DATABASE_UNAVAILABLE', 'Cannot connect');
    expect(locateStartupError(unplaced, file)).toBe(unplaced);
    const missingFile = new MeshError('CONFIG_INVALID', 'x', {
      configPath: 'agent.port',
      problem: 'p',
    });
    expect(locateStartupError(missingFile, join(folder, 'nope.yaml'))).toBe(missingFile);
  });
});
