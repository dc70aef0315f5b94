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
  username: string;
  /** scrypt or argon2 hash string, never the password itself. */
  password_hash: string;
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
}

/** Scheduled pruning of old sessions; absent means no scheduled prune. */
export interface RetentionConfig {
  /** Sessions not updated for this many days are pruned (default 30). */
  max_age_days: number;
  /** How often to prune, e.g. `1h`, `30m`, `1d` (default 1h). */
  interval: string;
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
  limits: GatewayLimitsConfig;
}
