import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MeshError } from '../errors/mesh-error.js';
import type { ConfigProblem } from './config-file.js';
import { formatProblem } from './format-problems.js';
import {
  inspectConfigFile,
  loadAgentConfig,
  loadConfigFile,
  loadGatewayConfig,
  parseAgentConfig,
} from './load-config.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (name: string): string => join(fixtures, name);
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const temporary = mkdtempSync(join(tmpdir(), 'agent-mesh-config-'));
afterAll(() => rmSync(temporary, { recursive: true, force: true }));

/** Writes a config file into the temporary directory and returns its path. */
function write(name: string, text: string): string {
  const file = join(temporary, name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** Loads a file that must be invalid and returns the thrown CONFIG_INVALID error. */
function loadInvalid(file: string, env: Record<string, string> = {}): MeshError {
  try {
    loadConfigFile(file, { env });
  } catch (error) {
    expect(error).toBeInstanceOf(MeshError);
    expect((error as MeshError).code).toBe('CONFIG_INVALID');
    return error as MeshError;
  }
  throw new Error(`${file} loaded without error`);
}

function problemLines(file: string, env: Record<string, string> = {}): string[] {
  return loadInvalid(file, env).message.split('\n');
}

const minimalAgent = (extra = '') => `agent:
  name: a
  port: 8101
  model: { provider: builtin, name: recall }
  session_service: { type: memory }
${extra}`;

describe('loadConfigFile', () => {
  it('reports a misspelt key, a wrong enum, a missing variable and a syntax error of one file together', () => {
    const file = write(
      'four-problems.yaml',
      `agent:
  name: a
  port: 8101
  model: { provider: builtin, name: recall }
  sesion_service: { type: memory }
  session_service:
    type: sqll
    database_url: \${NOT_SET_DB}
  peers: [
`,
    );
    const lines = problemLines(file);
    expect(lines).toEqual([
      `${file}:5:3 agent.sesion_service is not allowed (did you mean session_service?)`,
      `${file}:7:11 agent.session_service.type must be one of: memory, sql`,
      expect.stringMatching(
        new RegExp(
          `^${file}:8:19 agent\\.session_service\\.database_url environment variable NOT_SET_DB is not set`,
        ),
      ),
      expect.stringMatching(new RegExp(`^${file}:10:1 YAML syntax error: `)),
    ]);
  });

  it('loads the shipped assistant: include, merge key, defaults and peers', () => {
    const config = loadAgentConfig(join(repoRoot, 'config/agents/assistant.yaml'), { env: {} });
    expect(config).toMatchObject({
      name: 'assistant',
      host: '127.0.0.1',
      port: 8101,
      model: {
        provider: 'builtin',
        name: 'recall',
        context_window: 4096,
        delay_ms: 0,
        timeout_ms: 120000,
      },
      session_service: {
        type: 'sql',
        database_url: 'sqlite:///data/agent-assistant.db',
        default_behavior: 'PERSISTENT',
        pool: { max_connections: 10, connect_timeout_ms: 10000, idle_timeout_ms: 30000 },
      },
      auto_summarization: { enabled: true, compaction_percentage: 0.25 },
      peers: [{ name: 'researcher', url: 'http://127.0.0.1:8102' }],
      auth: { token: '' },
      limits: { max_message_bytes: 1048576 },
    });
  });

  it('loads the shipped gateway with its defaults', () => {
    const config = loadGatewayConfig(join(repoRoot, 'config/gateway.yaml'), { env: {} });
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8000,
      session_secret_key: '',
      session_service: { type: 'sql', database_url: 'sqlite:///data/webui-gateway.db' },
      platform_service: { database_url: '' },
      auth: {
        mode: 'none',
        users: [],
        header: { name: 'X-Forwarded-User', trusted_proxies: ['127.0.0.1'] },
      },
      limits: { max_body_bytes: 1048576 },
    });
    expect(config.agents.map((agent) => agent.name)).toEqual(['assistant', 'researcher']);
    expect(config.retention).toBeUndefined();
  });

  it('returns the kind, the file and the section', () => {
    const loaded = loadConfigFile(fixture('valid-agent.yaml'), { env: {} });
    expect(loaded.kind).toBe('agent');
    expect(loaded.file).toBe(fixture('valid-agent.yaml'));
    expect(loaded.config).toMatchObject({ name: 'fixture', port: 8101 });
  });

  it('resolves merge keys from an anchor, explicit keys winning', () => {
    const config = loadAgentConfig(fixture('valid-agent.yaml'), { env: {} });
    expect(config.session_service).toMatchObject({
      type: 'sql',
      database_url: 'sqlite:///data/agent-fixture.db',
      default_behavior: 'RUN_BASED',
    });
  });

  it('coerces a substituted "8000" to the integer the schema asks for', () => {
    const fromDefault = loadAgentConfig(fixture('valid-agent.yaml'), { env: {} });
    expect(fromDefault.port).toBe(8101);
    const fromEnv = loadAgentConfig(fixture('valid-agent.yaml'), { env: { AGENT_PORT: '9001' } });
    expect(fromEnv.port).toBe(9001);
    const file = write(
      'coerce.yaml',
      minimalAgent(
        '  auto_summarization: { enabled: "${ON, false}", compaction_percentage: "${P, 0.5}" }\n',
      ),
    );
    expect(loadAgentConfig(file, { env: {} }).auto_summarization).toEqual({
      enabled: false,
      compaction_percentage: 0.5,
    });
  });

  it('substitutes in values only: comments are never read, and $${VAR} stays literal', () => {
    const file = write(
      'escape.yaml',
      `# \${NOT_SET_ANYWHERE} in a comment is ignored\n${minimalAgent()}  instruction: "Say $\${NAME} and [\${EMPTY, }] to \${WHO, you}"\n`,
    );
    expect(loadAgentConfig(file, { env: {} }).instruction).toBe('Say ${NAME} and [] to you');
  });

  it('reads variables from the env option, not from process.env', () => {
    const file = write(
      'env.yaml',
      minimalAgent('  description: ${AGENT_MESH_TEST_ONLY, fallback}\n'),
    );
    expect(
      loadAgentConfig(file, { env: { AGENT_MESH_TEST_ONLY: 'from option' } }).description,
    ).toBe('from option');
  });
});

describe('problems', () => {
  it('points a misspelt key at the key and suggests the right one', () => {
    const file = fixture('misspelt-key.yaml');
    expect(problemLines(file)).toEqual([
      `${file}:5:3 agent.session_servce is not allowed (did you mean session_service?)`,
    ]);
  });

  it('lists the allowed values of a wrong enum value at the value', () => {
    const file = fixture('wrong-enum.yaml');
    expect(problemLines(file)).toEqual([
      `${file}:6:11 agent.session_service.type must be one of: memory, sql`,
    ]);
  });

  it('names every missing variable with its own position, never using an empty string', () => {
    const file = fixture('missing-variable.yaml');
    const error = loadInvalid(file);
    const problems = error.details.problems as ConfigProblem[];
    expect(problems.map((problem) => [problem.line, problem.col, problem.path])).toEqual([
      [3, 9, 'agent.port'],
      [7, 32, 'agent.session_service.database_url'],
      [7, 65, 'agent.session_service.database_url'],
    ]);
    expect(problems.map((problem) => problem.message.split(' ')[2])).toEqual([
      'AGENT_PORT',
      'DB_USER',
      'DB_NAME',
    ]);
    expect(problems[0]).toMatchObject({ file, message: expect.stringContaining('${AGENT_PORT}') });
  });

  it('accepts the same file once the variables are set', () => {
    const config = loadAgentConfig(fixture('missing-variable.yaml'), {
      env: { AGENT_PORT: '8200', DB_USER: 'me', DB_NAME: 'agents' },
    });
    expect(config.port).toBe(8200);
    expect(config.session_service.database_url).toBe('postgresql://me@localhost/agents');
  });

  it('reports every YAML syntax error with its position', () => {
    const file = fixture('syntax-error.yaml');
    expect(problemLines(file)).toEqual([
      `${file}:4:3 YAML syntax error: Map keys must be unique`,
      `${file}:6:3 YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }`,
    ]);
  });

  it('points errors inside included files into those files, through merge keys too', () => {
    const model = join(fixtures, 'include/parts/model.yaml');
    const defaults = join(fixtures, 'include/parts/defaults.yaml');
    expect(problemLines(fixture('include/main.yaml'))).toEqual([
      `${model}:3:17 agent.model.context_window must be an integer (got "lots")`,
      `${defaults}:4:21 agent.session_service.default_behavior must be one of: PERSISTENT, RUN_BASED`,
    ]);
  });

  it('reports an include cycle at the !include that closes it', () => {
    const [line] = problemLines(fixture('include/cycle-a.yaml'));
    expect(line).toBe(
      `${fixture('include/cycle-b.yaml')}:3:19 agent.model.headers includes cycle-a.yaml, which forms an include cycle: ` +
        `${fixture('include/cycle-a.yaml')} -> ${fixture('include/cycle-b.yaml')} -> ${fixture('include/cycle-a.yaml')}`,
    );
  });

  it('reports a missing included file at the !include', () => {
    const file = fixture('include/missing-include.yaml');
    expect(problemLines(file)).toEqual([
      `${file}:4:19 agent.model includes parts/nowhere.yaml, but ${join(fixtures, 'include/parts/nowhere.yaml')} does not exist`,
    ]);
  });

  it('points an error in an anchored value at the anchor, and uses the path where it is used', () => {
    const file = write(
      'anchor-error.yaml',
      `x-service: &service\n  type: sqlite\nagent:\n  name: a\n  port: 8101\n  model: { provider: builtin, name: recall }\n  session_service: *service\n`,
    );
    expect(problemLines(file)).toEqual([
      `${file}:2:9 agent.session_service.type must be one of: memory, sql`,
    ]);
  });

  it('says a database_url is required when type is sql, and must not be empty', () => {
    const file = write(
      'sql-no-url.yaml',
      `agent:\n  name: a\n  port: 8101\n  model: { provider: builtin, name: recall }\n  session_service:\n    type: sql\n`,
    );
    expect(problemLines(file)).toEqual([
      `${file}:5:3 agent.session_service.database_url is required when type is sql`,
    ]);
    const empty = write(
      'sql-empty-url.yaml',
      `agent:\n  name: a\n  port: 8101\n  model: { provider: builtin, name: recall }\n  session_service:\n    type: sql\n    database_url: \${DB, }\n`,
    );
    expect(problemLines(empty)).toEqual([
      `${empty}:7:19 agent.session_service.database_url must not be empty when type is sql`,
    ]);
  });

  it('collects problems of different kinds at once', () => {
    const file = write(
      'many.yaml',
      [
        'agent:',
        '  name: Not Valid',
        '  port: 70000',
        '  model: { provider: openai-compatible, name: m }',
        '  session_service: { type: memory }',
        '  peers: [b, { name: c }]',
        '  limits:',
        '',
      ].join('\n'),
    );
    expect(problemLines(file)).toEqual([
      `${file}:2:9 agent.name must be 1 to 63 lowercase letters, digits, '-' or '_', starting with a letter or digit (got "Not Valid")`,
      `${file}:3:9 agent.port must be at most 65535 (got 70000)`,
      `${file}:4:3 agent.model.base_url is required when provider is openai-compatible`,
      `${file}:6:14 agent.peers[1].url is required`,
      `${file}:7:3 agent.limits has no value; give it one or remove the key`,
    ]);
  });

  it('checks database URLs like the database layer, never echoing a password', () => {
    const file = write(
      'password.yaml',
      `agent:\n  name: a\n  port: 8101\n  model: { provider: builtin, name: recall }\n  session_service:\n    type: sql\n    database_url: postgressql://me:s3cret@db/agents\n`,
    );
    const [line] = problemLines(file);
    expect(line).toMatch(
      new RegExp(
        `^${file}:7:19 agent\\.session_service\\.database_url is not a database URL agent-mesh can open: .*postgressql`,
      ),
    );
    expect(line).not.toContain('s3cret');
  });

  it('follows an absolute !include path', () => {
    const model = write('absolute/model.yaml', 'provider: builtin\nname: recall\n');
    const file = write(
      'absolute/agent.yaml',
      minimalAgent().replace(
        'model: { provider: builtin, name: recall }',
        `model: !include ${model}`,
      ),
    );
    expect(loadAgentConfig(file, { env: {} }).model.name).toBe('recall');
  });

  it('checks the gateway rules: url or urls, unique agent names, users for password mode', () => {
    const file = write(
      'gateway-rules.yaml',
      [
        'gateway:',
        '  port: ${PORT, 8000}',
        '  session_service: { type: memory }',
        '  agents:',
        '    - { name: a }',
        '    - { name: b, url: "http://x:1", urls: ["http://x:2"] }',
        '  auth: { mode: password }',
        '',
      ].join('\n'),
    );
    expect(problemLines(file)).toEqual([
      `${file}:5:7 gateway.agents[0].url is required unless urls is set`,
      `${file}:6:18 gateway.agents[1].url is not allowed when urls is set`,
      `${file}:7:3 gateway.auth.users is required when mode is password`,
    ]);
    const noUsers = write(
      'gateway-no-users.yaml',
      'gateway:\n  port: 8000\n  session_service: { type: memory }\n  agents: [{ name: a, url: "http://x:1" }]\n  auth: { mode: password, users: [] }\n',
    );
    expect(problemLines(noUsers)).toEqual([
      `${noUsers}:5:34 gateway.auth.users must list at least one item when mode is password`,
    ]);
    const duplicate = write(
      'gateway-duplicate.yaml',
      'gateway:\n  port: 8000\n  session_service: { type: memory }\n  agents:\n    - { name: a, url: "http://x:1" }\n    - { name: a, url: "http://x:2" }\n',
    );
    expect(problemLines(duplicate)).toEqual([
      `${duplicate}:6:15 gateway.agents[1].name repeats the name a of agents[0]; names must be unique`,
    ]);
  });

  it('checks the auth settings: hash format (never echoing the value), unique usernames, proxies, origins', () => {
    const hash =
      'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGg=';
    const file = write(
      'gateway-auth.yaml',
      [
        'gateway:',
        '  port: 8000',
        '  session_service: { type: memory }',
        '  agents: [{ name: a, url: "http://x:1" }]',
        '  auth:',
        '    mode: password',
        '    users:',
        `      - { username: alice, password_hash: "${hash}" }`,
        '      - { username: bob, password_hash: hunter2 }',
        `      - { username: alice, password_hash: "${hash}" }`,
        '    header: { trusted_proxies: [proxy.local] }',
        '    allowed_origins: ["https://chat.example.com/app"]',
        '',
      ].join('\n'),
    );
    expect(problemLines(file)).toEqual([
      `${file}:9:41 gateway.auth.users[1].password_hash must be a scrypt hash printed by \`agent-mesh auth hash-password\` (scrypt$N$r$p$salt$hash)`,
      `${file}:11:33 gateway.auth.header.trusted_proxies[0] must be an IP address or CIDR range such as 127.0.0.1 or 10.0.0.0/8 (got "proxy.local")`,
      `${file}:12:23 gateway.auth.allowed_origins[0] must be an origin such as https://chat.example.com (scheme, host and optional port, no path) (got "https://chat.example.com/app")`,
    ]);
    const duplicate = write(
      'gateway-auth-duplicate.yaml',
      [
        'gateway:',
        '  port: 8000',
        '  session_service: { type: memory }',
        '  agents: [{ name: a, url: "http://x:1" }]',
        '  auth:',
        '    mode: password',
        '    users:',
        `      - { username: alice, password_hash: "${hash}" }`,
        `      - { username: alice, password_hash: "${hash}" }`,
        '',
      ].join('\n'),
    );
    expect(problemLines(duplicate)).toEqual([
      `${duplicate}:9:21 gateway.auth.users[1].username repeats the username alice of users[0]; usernames must be unique`,
    ]);
    const valid = write(
      'gateway-auth-valid.yaml',
      [
        'gateway:',
        '  port: 8000',
        '  session_service: { type: memory }',
        '  agents: [{ name: a, url: "http://x:1" }]',
        `  auth: { mode: password, users: [{ username: alice, password_hash: "${hash}" }] }`,
        '',
      ].join('\n'),
    );
    expect(loadGatewayConfig(valid, { env: {} }).auth).toMatchObject({
      allowed_origins: [],
      login_rate_limit: { max_failures_per_user: 5, max_failures_per_ip: 20, window_seconds: 900 },
    });
  });

  it('requires exactly one of agent: and gateway: at the top level', () => {
    const neither = write('neither.yaml', 'shared:\n  a: 1\nsomething: else\n');
    expect(problemLines(neither)).toEqual([
      `${neither}:1:1 has no top-level agent: or gateway: key (found: shared, something)`,
    ]);
    const typo = write('typo.yaml', 'agnet:\n  name: a\n');
    expect(problemLines(typo)).toEqual([
      `${typo}:1:1 agnet is not allowed (did you mean agent?); a config file needs a top-level agent: or gateway: key`,
    ]);
    const both = write('both.yaml', `${minimalAgent()}gateway:\n  port: 1\n`);
    expect(problemLines(both)[0]).toBe(
      `${both}:6:1 has both agent: and gateway:; a file configures one process, so split it into two files`,
    );
    const empty = write('empty.yaml', '# nothing here\n');
    expect(problemLines(empty)).toEqual([
      `${empty}:1:1 is empty; a config file needs a top-level agent: or gateway: key`,
    ]);
  });

  it('allows shared: and x- keys at the top level but no other unknown key', () => {
    const file = write(
      'top-level.yaml',
      `shared: { a: 1 }\nx-note: hello\n${minimalAgent()}extra: 1\n`,
    );
    expect(problemLines(file)).toEqual([
      `${file}:8:1 extra is not allowed (allowed: agent, shared)`,
    ]);
  });

  it('puts the problems in details.problems and one per line in the message', () => {
    const error = loadInvalid(fixture('misspelt-key.yaml'));
    const problems = error.details.problems as ConfigProblem[];
    expect(problems).toHaveLength(1);
    expect(problems[0]).toEqual({
      file: fixture('misspelt-key.yaml'),
      line: 5,
      col: 3,
      path: 'agent.session_servce',
      message: 'is not allowed (did you mean session_service?)',
    });
    const several = loadInvalid(fixture('missing-variable.yaml'));
    const severalProblems = several.details.problems as ConfigProblem[];
    expect(severalProblems).toHaveLength(3);
    expect(several.message).toBe(severalProblems.map(formatProblem).join('\n'));
    expect(error.message).toBe(formatProblem(problems[0] as ConfigProblem));
  });

  it('throws CONFIG_NOT_FOUND naming a missing file', () => {
    const missing = join(temporary, 'nope.yaml');
    expect(() => loadConfigFile(missing)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_NOT_FOUND',
        message: `Config file ${missing} does not exist.`,
      }),
    );
  });

  it('refuses a gateway file where an agent file is expected', () => {
    expect(() => loadAgentConfig(join(repoRoot, 'config/gateway.yaml'), { env: {} })).toThrow(
      /is a gateway config, but an agent config was expected/,
    );
  });

  it('reports a recursive alias instead of looping', () => {
    const file = write('recursive.yaml', `${minimalAgent()}  peers: &peers [a, *peers]\n`);
    expect(
      inspectConfigFile(file, { env: {} }).problems.map((problem) => problem.message),
    ).toContain('refers to a value that contains it (a recursive alias)');
  });
});

describe('parseAgentConfig', () => {
  it('applies defaults to a section built in code without changing the input', () => {
    const input = {
      name: 'coded',
      port: 0,
      model: { provider: 'builtin', name: 'recall' },
      session_service: { type: 'memory' },
    };
    const config = parseAgentConfig(input);
    expect(config.session_service.default_behavior).toBe('PERSISTENT');
    expect(config.peers).toEqual([]);
    expect(input).not.toHaveProperty('peers');
  });

  it('throws CONFIG_INVALID naming the path', () => {
    expect(() => parseAgentConfig({ name: 'x', port: 'abc' }, 'test input')).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('test input agent.port must be an integer (got "abc")'),
      }),
    );
  });
});
