/** One agent of a benchmark mesh: the built-in `recall` model with a per-word delay, an SQL session store. */
export interface BenchAgentConfig {
  name: string;
  port: number;
  delayMs: number;
  databaseUrl: string;
}

/** The YAML of a benchmark agent process. */
export function agentYaml(agent: BenchAgentConfig): string {
  return [
    'agent:',
    `  name: ${agent.name}`,
    `  port: ${agent.port}`,
    `  model: { provider: builtin, name: recall, context_window: 4096, delay_ms: ${agent.delayMs} }`,
    '  session_service:',
    '    type: sql',
    `    database_url: ${JSON.stringify(agent.databaseUrl)}`,
    '',
  ].join('\n');
}

/** The YAML of a benchmark gateway process routing to `agents` (name and URL each). */
export function gatewayYaml(gateway: {
  port: number;
  databaseUrl: string;
  agents: readonly { name: string; url: string }[];
}): string {
  return [
    'gateway:',
    `  port: ${gateway.port}`,
    '  session_secret_key: bench-only-secret-key-0123456789abcdef',
    '  session_service:',
    '    type: sql',
    `    database_url: ${JSON.stringify(gateway.databaseUrl)}`,
    '  agents:',
    ...gateway.agents.map(
      (agent) => `    - { name: ${agent.name}, url: ${JSON.stringify(agent.url)} }`,
    ),
    '',
  ].join('\n');
}
