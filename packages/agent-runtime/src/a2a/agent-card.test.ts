import { describe, expect, it } from 'vitest';
import type { AgentConfig } from '@agent-mesh/shared';
import {
  createAgentCard,
  sessionPersistenceExtensionUri,
  sessionPersistenceOf,
} from './agent-card.js';

function config(overrides: Partial<AgentConfig> = {}): AgentConfig {
  return {
    name: 'assistant',
    description: '',
    host: '127.0.0.1',
    port: 0,
    instruction: 'You are a helpful assistant.',
    model: { provider: 'builtin', name: 'recall', delay_ms: 0, timeout_ms: 120_000 },
    session_service: {
      type: 'sql',
      database_url: 'sqlite:///agent.db',
      default_behavior: 'PERSISTENT',
      pool: { max_connections: 10, connect_timeout_ms: 10_000, idle_timeout_ms: 30_000 },
    },
    auto_summarization: { enabled: true, compaction_percentage: 0.25 },
    peers: [],
    auth: { token: '' },
    limits: { max_message_bytes: 1_048_576 },
    ...overrides,
  };
}

describe('createAgentCard', () => {
  it('declares JSON-RPC at the URL and HTTP+JSON under /rest, for A2A 1.0 and 0.3', () => {
    const card = createAgentCard(config(), 'http://127.0.0.1:8101/');
    expect(
      card.supportedInterfaces.map((item) => [
        item.protocolBinding,
        item.protocolVersion,
        item.url,
      ]),
    ).toEqual([
      ['JSONRPC', '1.0', 'http://127.0.0.1:8101'],
      ['HTTP+JSON', '1.0', 'http://127.0.0.1:8101/rest'],
      ['JSONRPC', '0.3', 'http://127.0.0.1:8101'],
      ['HTTP+JSON', '0.3', 'http://127.0.0.1:8101/rest'],
    ]);
    expect(card.capabilities?.streaming).toBe(true);
  });

  it('says whether sessions persist and where the management API is, so a gateway can use both', () => {
    const sql = createAgentCard(config(), 'http://127.0.0.1:8101');
    expect(sessionPersistenceOf(sql)).toEqual({
      persistence: 'sql',
      behavior: 'PERSISTENT',
      management: '/mesh/v1',
    });
    const memory = createAgentCard(
      config({
        session_service: {
          type: 'memory',
          default_behavior: 'RUN_BASED',
          pool: { max_connections: 10, connect_timeout_ms: 10_000, idle_timeout_ms: 30_000 },
        },
      }),
      'http://127.0.0.1:8101',
    );
    const extension = memory.capabilities?.extensions.find(
      (item) => item.uri === sessionPersistenceExtensionUri,
    );
    expect(extension?.params).toEqual({
      persistence: 'memory',
      behavior: 'RUN_BASED',
      management: '/mesh/v1',
    });
    expect(extension?.description).toContain('forgets');
  });

  it('asks for a bearer token only when auth.token is set, and never shows the instruction', () => {
    const open = createAgentCard(config(), 'http://127.0.0.1:8101');
    expect(open.securityRequirements).toEqual([]);
    const closed = createAgentCard(
      config({ auth: { token: 's3cret' }, instruction: 'secret plan' }),
      'http://x:1',
    );
    expect(closed.securityRequirements).toEqual([{ schemes: { bearer: { list: [] } } }]);
    expect(JSON.stringify(closed)).not.toContain('s3cret');
    expect(JSON.stringify(closed)).not.toContain('secret plan');
  });

  it('describes the delegation trigger when the agent has peers', () => {
    const card = createAgentCard(config(), 'http://127.0.0.1:8101', ['researcher']);
    expect(card.skills.map((skill) => skill.id)).toEqual(['chat', 'delegate']);
    expect(card.skills[1]?.description).toContain('@<peer>');
  });
});
