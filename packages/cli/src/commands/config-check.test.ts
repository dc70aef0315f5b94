import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runConfigCheck } from './config-check.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

describe('agent-mesh config check', () => {
  it('prints ok per file, a summary, and exits 0 for the shipped config', () => {
    const report = runConfigCheck(['config'], { cwd: repoRoot, env: {} });
    expect(report.exitCode).toBe(0);
    expect(report.lines).toEqual([
      'ok config/agents/assistant.yaml (agent)',
      'ok config/agents/researcher.yaml (agent)',
      'ok config/examples/openai-compatible-agent.yaml (agent)',
      'ok config/examples/postgres-agent.yaml (agent)',
      'ok config/examples/postgres-gateway.yaml (gateway)',
      'ok config/gateway.yaml (gateway)',
      '6 config files checked, all valid (1 fragment skipped)',
    ]);
  });

  it('prints each problem as file:line:col path message relative to the cwd and exits 2', () => {
    const report = runConfigCheck(['fixtures/config'], { cwd: `${repoRoot}test`, env: {} });
    expect(report.exitCode).toBe(2);
    expect(report.lines).toEqual([
      'ok fixtures/config/valid-agent.yaml (agent)',
      'fixtures/config/broken/agent.yaml:4:9 agent.port environment variable BROKEN_AGENT_PORT is not set and ${BROKEN_AGENT_PORT} has no default; set it or write ${BROKEN_AGENT_PORT, <default>}',
      'fixtures/config/broken/agent.yaml:6:3 agent.session_servce is not allowed (did you mean session_service?)',
      'fixtures/config/broken/parts/model.yaml:3:13 agent.model.timeout_ms must be an integer (got "soon")',
      'fixtures/config/broken/gateway.yaml:4:11 gateway.session_service.type must be one of: memory, sql',
      'fixtures/config/broken/syntax.yaml:4:1 YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
      '4 config files checked, 3 invalid, 5 problems (1 fragment skipped)',
    ]);
  });

  it('uses the environment for ${VAR}', () => {
    const report = runConfigCheck(['fixtures/config/broken/agent.yaml'], {
      cwd: `${repoRoot}test`,
      env: { BROKEN_AGENT_PORT: '8101' },
    });
    expect(report.lines.some((line) => line.includes('BROKEN_AGENT_PORT'))).toBe(false);
    expect(report.exitCode).toBe(2);
  });

  it('reports a path that does not exist', () => {
    const report = runConfigCheck(['no/such/dir'], { cwd: repoRoot, env: {} });
    expect(report).toEqual({
      lines: ['no/such/dir does not exist', '0 config files checked, 0 invalid, 1 problem'],
      exitCode: 2,
    });
  });
});
