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
export {
  agentManagementBasePath,
  agentManagementPaths,
} from './management/agent-management-api.js';
export type {
  CompactSessionRequest,
  CompactSessionResponse,
  CompactSessionStatus,
  CompactionInfo,
  ContextUsageResponse,
} from './management/agent-management-api.js';
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
  GatewayLoginRateLimitConfig,
  GatewaySessionServiceConfig,
  GatewayUserConfig,
  LiveUpdatesConfig,
  LiveUpdatesMode,
  MemoryGatewaySessionServiceConfig,
  PlatformServiceConfig,
  RetentionConfig,
  SqlGatewaySessionServiceConfig,
} from './config/gateway-config.js';
export type { ConfigKind, ConfigProblem, LoadedConfigFile } from './config/config-file.js';
export {
  inspectConfigFile,
  loadAgentConfig,
  loadConfigFile,
  loadGatewayConfig,
  parseAgentConfig,
  parseGatewayConfig,
} from './config/load-config.js';
export type { ConfigInspection, LoadConfigOptions } from './config/load-config.js';
export type { ConfigEnv } from './config/substitute-env.js';
export { findConfigFiles, scanConfigPaths } from './config/find-config-files.js';
export type { ConfigFileScan, ScanConfigOptions } from './config/find-config-files.js';
export { checkConfigFiles } from './config/check-config-files.js';
export type { CheckedConfigFile, ConfigCheckResult } from './config/check-config-files.js';
export { formatProblem, formatProblems } from './config/format-problems.js';
export { locateStartupError } from './config/locate-startup-error.js';
export { configSchemaPaths } from './config/config-schemas.js';
export { parseDatabaseUrl, redactDatabaseUrl } from './database/parse-database-url.js';
export { openDatabase } from './database/open-database.js';
export type { SqlDriver, SqlRunner, SqlStatement } from './database/sql-driver/index.js';
export {
  isDatabaseUnavailableError,
  isUniqueConstraintError,
  isTransientConflictError,
} from './database/database-errors.js';
export { retryOnTransientConflict } from './database/retry-on-transient-conflict.js';
export {
  maxNotificationPayloadBytes,
  openNotificationChannel,
  supportsNotificationChannel,
} from './database/notification-channel.js';
export type {
  NotificationChannel,
  NotificationChannelOptions,
} from './database/notification-channel.js';
export { migrateDatabase } from './database/migrations/migrate-database.js';
export type {
  DatabaseProvider,
  DatabaseSchemaName,
  DatabaseOptions,
  ParsedDatabaseUrl,
  OpenedDatabase,
  AgentDatabase,
  GatewayDatabase,
  MigrationResult,
  AgentPrismaClient,
  GatewayPrismaClient,
  AgentPrisma,
  AgentSession,
  AgentEvent,
  AppState,
  UserState,
  A2aTask,
  GatewayPrisma,
  ChatSession,
  ChatTask,
  TaskEvent,
  Feedback,
  WebSession,
  GatewaySetting,
} from './database/database-types.js';
export { closeOnStop, waitForStop } from './process/wait-for-stop.js';
export { waitForDrain } from './process/wait-for-drain.js';
export type { WaitForDrainOptions } from './process/wait-for-drain.js';
export {
  tryWithDatabaseLock,
  postgresqlAdvisoryKey,
  mysqlNamedLock,
} from './database/database-lock.js';
export type { DatabaseLockOutcome, DatabaseLockTarget } from './database/database-lock.js';
export type { DatabasePoolStats } from './database/database-types.js';
export { createSqlTemplate, trustedSql, TrustedSql } from './database/sql-template.js';
export type { BoundStatement, SqlTemplate } from './database/sql-template.js';
export { parseDuration, formatDuration, durationUnits } from './retention/parse-duration.js';
export { defaultPruneBatchSize, checkPruneBatchSize } from './retention/prune-types.js';
export type { PruneOptions, PruneResult } from './retention/prune-types.js';
export { startRetentionSchedule, retentionTimings } from './retention/retention-schedule.js';
export type {
  RetentionRunOutcome,
  RetentionSchedule,
  RetentionScheduleOptions,
} from './retention/retention-schedule.js';
export { MeshMetrics } from './metrics/mesh-metrics.js';
export type {
  MeshMetricsOptions,
  MetricsProcessKind,
  TurnOutcome,
} from './metrics/mesh-metrics.js';
export type { StopReason } from './process/wait-for-stop.js';
