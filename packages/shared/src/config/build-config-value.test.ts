import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfigValue } from './build-config-value.js';
import { formatProblem } from './format-problems.js';
import { parseYamlText } from './read-yaml-file.js';

function problemsOf(text: string, file = '/config/agent.yaml'): string[] {
  const built = buildConfigValue(parseYamlText(text, file), { env: {} });
  return built.problems.map(formatProblem);
}

describe('buildConfigValue', () => {
  it('reports an alias to an unknown anchor where it is written', () => {
    expect(problemsOf('agent:\n  name: a\n  session_service: *missing\n')).toEqual([
      '/config/agent.yaml:3:20 agent.session_service refers to an unknown anchor *missing; define it with &missing before using it',
    ]);
  });

  it('reports an include cycle through merge keys instead of recursing without end', () => {
    const folder = mkdtempSync(join(tmpdir(), 'agent-mesh-merge-cycle-'));
    try {
      mkdirSync(join(folder, 'parts'));
      writeFileSync(join(folder, 'parts/a.yaml'), '<<: !include b.yaml\nprovider: builtin\n');
      writeFileSync(join(folder, 'parts/b.yaml'), '<<: !include a.yaml\nname: recall\n');
      const file = join(folder, 'agent.yaml');
      const text = 'agent:\n  model:\n    <<: !include parts/a.yaml\n';
      writeFileSync(file, text);
      const problems = problemsOf(text, file);
      expect(problems).toEqual([
        `${join(folder, 'parts/b.yaml')}:1:14 agent.model includes a.yaml, which forms an include cycle: ${join(folder, 'parts/a.yaml')} -> ${join(folder, 'parts/b.yaml')} -> ${join(folder, 'parts/a.yaml')}`,
      ]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
