import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfigFiles } from './check-config-files.js';
import { findConfigFiles, scanConfigPaths } from './find-config-files.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'agent-mesh-find-'));
const at = (path: string): string => join(root, path);
const agent = (name: string, extra = '') =>
  `agent:\n  name: ${name}\n  port: 0\n  model: { provider: builtin, name: recall }\n  session_service: { type: memory }\n${extra}`;

beforeAll(() => {
  const files: Record<string, string> = {
    'set/b-agent.yaml': agent('b', '  <<: !include parts/common.yaml\n'),
    'set/a-agent.yml': agent('a'),
    'set/nested/c-agent.yaml': agent('c'),
    'set/parts/common.yaml': 'description: shared description\n',
    'set/anchors.yaml': 'shared:\n  pool: &pool { max_connections: 3 }\nx-other: 1\n',
    'set/notes.txt': 'not yaml',
    'set/.hidden/ignored.yaml': 'not: checked\n',
    'set/examples/example-agent.yaml': agent('example'),
    'empty/readme.md': '# nothing\n',
    'broken/agent.yaml': agent('broken', '  limits: { max_message_bytes: -1 }\n'),
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(at(path)), { recursive: true });
    writeFileSync(at(path), text);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('findConfigFiles', () => {
  it('expands directories recursively and sorted, leaving out fragments, hidden folders and other files', () => {
    expect(findConfigFiles([at('set')])).toEqual([
      at('set/a-agent.yml'),
      at('set/b-agent.yaml'),
      at('set/examples/example-agent.yaml'),
      at('set/nested/c-agent.yaml'),
    ]);
  });

  it('tells included files and anchor-only files apart as fragments', () => {
    expect(scanConfigPaths([at('set')]).fragments).toEqual([
      at('set/anchors.yaml'),
      at('set/parts/common.yaml'),
    ]);
  });

  it('skips excluded directory names during expansion but keeps explicit files', () => {
    expect(findConfigFiles([at('set')], { excludeDirectories: ['examples', 'nested'] })).toEqual([
      at('set/a-agent.yml'),
      at('set/b-agent.yaml'),
    ]);
    expect(
      findConfigFiles([at('set/examples/example-agent.yaml')], {
        excludeDirectories: ['examples'],
      }),
    ).toEqual([at('set/examples/example-agent.yaml')]);
  });

  it('keeps the order of the arguments and lists a file given twice once', () => {
    expect(
      findConfigFiles([at('set/nested/c-agent.yaml'), at('set/a-agent.yml'), at('set/nested')]),
    ).toEqual([at('set/nested/c-agent.yaml'), at('set/a-agent.yml')]);
  });

  it('throws CONFIG_NOT_FOUND for a missing path or when nothing is found', () => {
    expect(() => findConfigFiles([at('nope')])).toThrow(
      expect.objectContaining({
        code: 'CONFIG_NOT_FOUND',
        message: expect.stringContaining(at('nope')),
      }),
    );
    expect(() => findConfigFiles([at('empty')])).toThrow(
      expect.objectContaining({ code: 'CONFIG_NOT_FOUND' }),
    );
  });
});

describe('checkConfigFiles', () => {
  it('passes the shipped config directory with no environment variables', () => {
    const result = checkConfigFiles([join(repoRoot, 'config')], { env: {} });
    expect(result.problems).toEqual([]);
    expect(
      result.files.map((file) => [file.file.slice(repoRoot.length), file.kind, file.valid]),
    ).toEqual([
      ['config/agents/assistant.yaml', 'agent', true],
      ['config/agents/researcher.yaml', 'agent', true],
      ['config/examples/openai-compatible-agent.yaml', 'agent', true],
      ['config/examples/postgres-agent.yaml', 'agent', true],
      ['config/examples/postgres-gateway.yaml', 'gateway', true],
      ['config/gateway.yaml', 'gateway', true],
    ]);
    expect(result.fragments).toEqual([join(repoRoot, 'config/shared/defaults.yaml')]);
  });

  it('reports invalid files, missing paths and empty directories without throwing', () => {
    const result = checkConfigFiles(
      [at('set/a-agent.yml'), at('broken'), at('missing.yaml'), at('empty')],
      {
        env: {},
      },
    );
    expect(result.files).toEqual([
      { file: at('set/a-agent.yml'), kind: 'agent', valid: true },
      { file: at('broken/agent.yaml'), kind: 'agent', valid: false },
    ]);
    expect(result.problems).toEqual([
      { file: at('missing.yaml'), line: 0, col: 0, path: '', message: 'does not exist' },
      { file: at('empty'), line: 0, col: 0, path: '', message: 'holds no .yaml or .yml file' },
      {
        file: at('broken/agent.yaml'),
        line: 6,
        col: 32,
        path: 'agent.limits.max_message_bytes',
        message: 'must be at least 1 (got -1)',
      },
    ]);
  });

  it('checks a file that includes itself instead of skipping it as a fragment', () => {
    mkdirSync(at('self'), { recursive: true });
    writeFileSync(at('self/agent.yaml'), agent('self', '  description: !include agent.yaml\n'));
    const scan = scanConfigPaths([at('self/agent.yaml')]);
    expect(scan).toMatchObject({ files: [at('self/agent.yaml')], fragments: [] });
  });

  it('reports a set that holds only fragments', () => {
    const result = checkConfigFiles([at('set/anchors.yaml')]);
    expect(result.files).toEqual([]);
    expect(result.problems[0]?.message).toContain('holds only fragments');
  });
});
