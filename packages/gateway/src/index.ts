/**
 * @agent-mesh/gateway: the web gateway process. It serves the REST API and WebSocket streaming under
 * /api/v1 and the web UI, identifies browsers by a signed cookie session, keeps chat history in its own
 * database (or memory), and talks to agents only over A2A, recording every reply on the server as it
 * streams.
 */
export { createApp } from './app.js';
export type { GatewayAppDependencies } from './app.js';
export { startGatewayServer, gatewayVersion, defaultWebRoot } from './server.js';
export { runGatewayProcess } from './main.js';
export type { RunGatewayProcessOptions } from './main.js';
export type { StartGatewayOptions, RunningGateway } from './server.js';
export { AgentRegistry, persistenceOf } from './agents/agent-registry.js';
export type {
  AgentStatus,
  AgentPersistence,
  AgentConnection,
  PickReplicaOptions,
  ReplicaStatus,
} from './agents/agent-registry.js';
export { AgentManagementClient, managementPathOf } from './agents/agent-management-client.js';
export type {
  AgentManagementTimeouts,
  AgentSessionTarget,
} from './agents/agent-management-client.js';
export { CompactionService } from './chat/compaction-service.js';
export type {
  CompactOutcome,
  LastCompactionSummary,
  SessionContextUsage,
} from './chat/compaction-service.js';
export { MemoryGatewayStore } from './store/memory-gateway-store.js';
export { SqlGatewayStore } from './store/sql-gateway-store.js';
export { GatewaySessionAdmin } from './store/gateway-session-admin.js';
export type {
  GatewaySessionExport,
  GatewaySessionListing,
  GatewayTaskExport,
} from './store/gateway-session-admin.js';
export type {
  CompactionNote,
  CompactionReason,
  CompactionRecord,
  GatewayStore,
  GatewayPersistence,
  SessionRecord,
  TaskRecord,
  TaskStatus,
  TaskUsage,
} from './store/gateway-store.js';
export type { TaskStreamEvent } from './streaming/task-stream-event.js';
export { httpStatusByCode } from './http/error-handler.js';
export { sessionCookieName } from './http/session-middleware.js';
export {
  hashPassword,
  parsePasswordHash,
  verifyPassword,
  passwordHashFormat,
  defaultPasswordHashCost,
} from './auth/password-hash.js';
export type { PasswordHash, PasswordHashOptions } from './auth/password-hash.js';
export { contentSecurityPolicy } from './http/security-headers.js';
export { taskWebSocketPath } from './streaming/task-websocket.js';
