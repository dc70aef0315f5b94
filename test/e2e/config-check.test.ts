import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Runs the built CLI (`npx tsc -b` first) as a user would, with no AGENT_MESH_* or config variables set.
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));

function runCli(args: string[]) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('agent-mesh config check (built CLI)', () => {
  it('accepts the shipped config/ directory with exit 0', () => {
    const { status, output } = runCli(['config', 'check', 'config/']);
    expect(output).toContain('ok config/gateway.yaml (gateway)');
    expect(output).toContain('ok config/agents/assistant.yaml (agent)');
    expect(output).toContain('ok config/agents/researcher.yaml (agent)');
    expect(output).toMatch(/config files checked, all valid/);
    expect(status).toBe(0);
  });

  it('reports every problem of a broken set as file:line:col lines with exit 2 and no stack trace', () => {
    const { status, output } = runCli(['config', 'check', 'test/fixtures/config']);
    const lines = output.trimEnd().split('\n');
    expect(lines).toContain(
      'test/fixtures/config/broken/agent.yaml:6:3 agent.session_servce is not allowed (did you mean session_service?)',
    );
    expect(lines).toContain(
      'test/fixtures/config/broken/gateway.yaml:4:11 gateway.session_service.type must be one of: memory, sql',
    );
    expect(lines).toContain(
      'test/fixtures/config/broken/parts/model.yaml:3:13 agent.model.timeout_ms must be an integer (got "soon")',
    );
    expect(lines.filter((line) => /^test\/fixtures\/config\/\S+:\d+:\d+ /.test(line))).toHaveLength(
      5,
    );
    expect(lines.at(-1)).toBe('4 config files checked, 3 invalid, 5 problems (1 fragment skipped)');
    expect(lines.filter((line) => line.startsWith('    at '))).toEqual([]);
    expect(status).toBe(2);
  });

  it('exits 2 with a one-line message when called without paths', () => {
    const { status, output } = runCli(['config', 'check']);
    expect(output).toContain("missing required argument 'paths'");
    expect(output).not.toMatch(/^\s+at /m);
    expect(status).toBe(2);
  });
});
