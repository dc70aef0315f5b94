/**
 * @agent-mesh/shared: what every agent-mesh process relies on — config loading and validation against
 * the shipped JSON Schemas, one error type, ids, logging, and the database layer that turns a URL into a
 * ready, migrated Prisma client on SQLite, PostgreSQL or MySQL/MariaDB.
 */
export { MeshError, meshErrorCodes, isMeshError, isMeshErrorCode } from './errors/mesh-error.js';
export type { MeshErrorCode, MeshErrorJson } from './errors/mesh-error.js';
export { createLogger } from './logging/create-logger.js';
export type { Logger } from './logging/create-logger.js';
export { createWebSessionId, isWebSessionId } from './ids/ids.js';
export type {
  AgentConfig,
  AgentAuthConfig,
  AgentLimitsConfig,
  AgentPeerConfig,
  AgentPeerObject,
  AgentSessionServiceConfig,
  AutoSummarizationConfig,
  MemoryAgentSessionServiceConfig,
  ModelConfig,
  ModelProvider,
  PoolConfig,
  SessionBehavior,
  SqlAgentSessionServiceConfig,
} from './config/agent-config.js';
export type {
  GatewayAgentConfig,
  GatewayAuthConfig,
  GatewayAuthHeaderConfig,
  GatewayAuthMode,
  GatewayConfig,
  GatewayLimitsConfig,
  GatewaySessionServiceConfig,
  GatewayUserConfig,
  MemoryGatewaySessionServiceConfig,
  PlatformServiceConfig,
  RetentionConfig,
  SqlGatewaySessionServiceConfig,
} from './config/gateway-config.js';
export type { ConfigKind, ConfigProblem, LoadedConfigFile } from './config/config-file.js';
