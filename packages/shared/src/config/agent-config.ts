/**
 * TypeScript shapes of a validated agent YAML file (the `agent:` section). Keys are snake_case as in YAML;
 * every field with a schema default is non-optional because the loader applies defaults (ajv `useDefaults`).
 * Keep in sync with packages/shared/schema/agent.schema.json.
 */
import type { RetentionConfig } from './gateway-config.js';

/** Connection-pool settings of one database; every field has a default. */
export interface PoolConfig {
  /** Most connections open at once (default 10). */
  max_connections: number;
  /** How long to wait for a new connection, in ms (default 10000). */
  connect_timeout_ms: number;
  /** How long an idle connection is kept, in ms (default 30000). */
  idle_timeout_ms: number;
}

/** The LLM providers an agent can use; `builtin` is the deterministic offline model. */
export type ModelProvider = 'builtin' | 'openai' | 'anthropic' | 'google' | 'openai-compatible';

/** Which LLM an agent (or its summariser) calls and how. */
export interface ModelConfig {
  provider: ModelProvider;
  /** Model name, e.g. `gpt-4o-mini`; `recall` for the builtin model. */
  name: string;
  /** Endpoint override (required in practice for `openai-compatible`). */
  base_url?: string;
  /** Name of the environment variable holding the API key (provider default when absent). */
  api_key_env?: string;
  /** The API key itself; prefer `api_key_env`. */
  api_key?: string;
  context_window?: number;
  max_output_tokens?: number;
  temperature?: number;
  /** Builtin model only: pause between streamed words, in ms (default 0). */
  delay_ms: number;
  /** Timeout of one model call, in ms (default 120000). */
  timeout_ms: number;
  /** Extra HTTP headers sent with every model call. */
  headers?: Record<string, string>;
}

/** How an agent session id is derived from the A2A contextId. */
export type SessionBehavior = 'PERSISTENT' | 'RUN_BASED';

/** Fields common to both kinds of agent session service. */
interface AgentSessionServiceBase {
  /** Default PERSISTENT. */
  default_behavior: SessionBehavior;
  /** Pool settings of the session database (defaults applied even for `memory`). */
  pool: PoolConfig;
}

/** Agent sessions kept in process memory (lost on restart). */
export interface MemoryAgentSessionServiceConfig extends AgentSessionServiceBase {
  type: 'memory';
  /** Ignored for `memory`. */
  database_url?: string;
}

/** Agent sessions kept in a SQL database (SQLite, PostgreSQL, MySQL/MariaDB). */
export interface SqlAgentSessionServiceConfig extends AgentSessionServiceBase {
  type: 'sql';
  /** Database URL (our forms or SQLAlchemy forms); never empty when `type` is `sql`. */
  database_url: string;
}

/** Where an agent keeps its sessions; narrow on `type`. */
export type AgentSessionServiceConfig =
  MemoryAgentSessionServiceConfig | SqlAgentSessionServiceConfig;

/** Automatic compaction of old turns into a summary; always present (defaults applied). */
export interface AutoSummarizationConfig {
  /** Default true. */
  enabled: boolean;
  /** Share of the uncompacted turns to compact, 0..1 (default 0.25). */
  compaction_percentage: number;
  /** Model used to summarise; the agent's own model when absent. */
  model?: ModelConfig;
}

/** A peer agent given by name and URL. */
export interface AgentPeerObject {
  name: string;
  url: string;
}

/** A peer this agent may delegate to: a bare name or `{ name, url }`. */
export type AgentPeerConfig = string | AgentPeerObject;

/** A2A authentication of the agent's own endpoint. */
export interface AgentAuthConfig {
  /** Shared bearer token; empty (the default) means open. */
  token: string;
}

/** Size limits of the agent's A2A endpoint. */
export interface AgentLimitsConfig {
  /** Largest accepted request body in bytes (default 1048576). */
  max_message_bytes: number;
}

/** The validated `agent:` section of an agent YAML file, defaults applied. */
export interface AgentConfig {
  /** Matches ^[a-z0-9][a-z0-9_-]{0,62}$; also the ADK app_name. */
  name: string;
  /** Shown in the agent card (default ""). */
  description: string;
  /** Default 127.0.0.1. */
  host: string;
  /** 0..65535; 0 picks a free port. */
  port: number;
  /** URL put in the agent card; http://<host>:<port> when absent or empty. */
  public_url?: string;
  /** System instruction (default "You are a helpful assistant."). */
  instruction: string;
  model: ModelConfig;
  session_service: AgentSessionServiceConfig;
  auto_summarization: AutoSummarizationConfig;
  /** Default []. */
  peers: AgentPeerConfig[];
  auth: AgentAuthConfig;
  /** Scheduled pruning of this agent's old sessions; absent means none. */
  retention?: RetentionConfig;
  /**
   * Milliseconds running turns may take to finish on shutdown before they are interrupted (default
   * 8000); the loader always sets it, hand-built configs may leave it out.
   */
  shutdown_grace_ms?: number;
  limits: AgentLimitsConfig;
}
