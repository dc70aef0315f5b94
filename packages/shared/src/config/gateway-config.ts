/**
 * TypeScript shapes of a validated gateway YAML file (the `gateway:` section). Keys are snake_case as in
 * YAML; every field with a schema default is non-optional because the loader applies defaults.
 * Keep in sync with packages/shared/schema/gateway.schema.json.
 */
import type { PoolConfig } from './agent-config.js';

/** Fields common to both kinds of gateway session service. */
interface GatewaySessionServiceBase {
  /** Pool settings of the gateway database (defaults applied even for `memory`). */
  pool: PoolConfig;
}

/** Gateway history kept in process memory (lost on restart). */
export interface MemoryGatewaySessionServiceConfig extends GatewaySessionServiceBase {
  type: 'memory';
  /** Ignored for `memory`. */
  database_url?: string;
}

/** Gateway history kept in a SQL database. */
export interface SqlGatewaySessionServiceConfig extends GatewaySessionServiceBase {
  type: 'sql';
  /** Database URL; never empty when `type` is `sql`. */
  database_url: string;
}

/** Where the gateway keeps sessions, chat history and express-session data; narrow on `type`. */
export type GatewaySessionServiceConfig =
  MemoryGatewaySessionServiceConfig | SqlGatewaySessionServiceConfig;

/** The optional platform database; always present (defaults applied). */
export interface PlatformServiceConfig {
  /** Empty (the default) makes /api/v1/platform/* answer 501. */
  database_url: string;
}

/** One agent the gateway routes to: exactly one of `url` or `urls` (replicas) is set. */
export interface GatewayAgentConfig {
  name: string;
  url?: string;
  /** Replica URLs, tried in turn for failover. */
  urls?: string[];
  description?: string;
  /** Bearer token sent to the agent's A2A endpoint. */
  token?: string;
}

/** How the gateway identifies users. */
export type GatewayAuthMode = 'none' | 'password' | 'header';

/** A user of `password` mode. */
export interface GatewayUserConfig {
  /** Case-sensitive login name, 1–200 characters without spaces; the user id is `user:<username>`. */
  username: string;
  /** `scrypt$N$r$p$salt$hash` (base64 salt and hash) from `agent-mesh auth hash-password`. */
  password_hash: string;
}

/** Failed sign-ins allowed per sliding window in `password` mode (in memory, per gateway instance). */
export interface GatewayLoginRateLimitConfig {
  /** Default 5. */
  max_failures_per_user: number;
  /** Default 20. */
  max_failures_per_ip: number;
  /** Default 900 (15 minutes). */
  window_seconds: number;
}

/** Settings of `header` mode: a trusted reverse proxy names the user. */
export interface GatewayAuthHeaderConfig {
  /** Default X-Forwarded-User. */
  name: string;
  /** Addresses allowed to set the header (default [127.0.0.1]). */
  trusted_proxies: string[];
}

/** User authentication; always present (default mode `none`). */
export interface GatewayAuthConfig {
  mode: GatewayAuthMode;
  /** Default []; at least one when mode is `password`. */
  users: GatewayUserConfig[];
  header: GatewayAuthHeaderConfig;
  /** Origins besides the gateway's own and `public_url` allowed to send cookie-authenticated writes (default []). */
  allowed_origins: string[];
  login_rate_limit: GatewayLoginRateLimitConfig;
}

/** Scheduled pruning of old sessions; absent means no scheduled prune. */
export interface RetentionConfig {
  /** Sessions not updated for this many days are pruned (default 30). */
  max_age_days: number;
  /** How often to prune, e.g. `1h`, `30m`, `1d` (default 1h). */
  interval: string;
}

/** How the gateway follows replies that other gateway instances on the same database record. */
export type LiveUpdatesMode = 'auto' | 'notify' | 'poll';

/** Live streaming across gateway instances sharing one database. */
export interface LiveUpdatesConfig {
  /** auto (default): LISTEN/NOTIFY on PostgreSQL, polling elsewhere; notify: PostgreSQL only; poll. */
  mode: LiveUpdatesMode;
  /** Polling interval in milliseconds (default 200, 20..60000). */
  poll_interval_ms: number;
}

/** Size limits of the gateway's HTTP API. */
export interface GatewayLimitsConfig {
  /** Largest accepted request body in bytes (default 1048576). */
  max_body_bytes: number;
}

/** The validated `gateway:` section of a gateway YAML file, defaults applied. */
export interface GatewayConfig {
  /** Default 127.0.0.1. */
  host: string;
  /** 0..65535; 0 picks a free port. */
  port: number;
  /** The URL users reach the gateway at; derived from host and port when absent or empty. */
  public_url?: string;
  /** Signs session cookies; empty (the default) with `sql` means generate once and keep it in the DB. */
  session_secret_key: string;
  session_service: GatewaySessionServiceConfig;
  platform_service: PlatformServiceConfig;
  /** At least one. */
  agents: GatewayAgentConfig[];
  auth: GatewayAuthConfig;
  retention?: RetentionConfig;
  /**
   * Milliseconds running replies may take to finish on shutdown before they are interrupted (default
   * 8000); the loader always sets it, hand-built configs may leave it out.
   */
  shutdown_grace_ms?: number;
  /** Cross-instance live streaming; the loader always sets it, hand-built configs may leave it out. */
  live_updates?: LiveUpdatesConfig;
  limits: GatewayLimitsConfig;
}
