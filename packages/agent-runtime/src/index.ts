/**
 * @agent-mesh/agent-runtime: the agent process — an A2A server (JSON-RPC and HTTP+JSON, v0.3 compatible)
 * around a runner that keeps each conversation in a session service (memory or SQL), calls the configured
 * LLM with the live window of the session, and may delegate to peer agents in the same context.
 */
export { startAgent } from './runtime.js';
export type { StartAgentOptions, RunningAgent } from './runtime.js';
export { runAgentProcess } from './main.js';
export type { RunAgentProcessOptions } from './main.js';
export { createSessionService, MemorySessionService, SqlSessionService } from './sessions/index.js';
export { AgentSessionAdmin } from './sessions/agent-session-admin.js';
export type {
  AgentSessionExport,
  AgentSessionListing,
  AgentSessionSelector,
} from './sessions/agent-session-admin.js';
export type {
  SessionServiceConfig,
  SessionService,
  SessionKey,
  Session,
  SessionEvent,
  NewSessionEvent,
  AppendedEvent,
  TurnContext,
  EventPage,
  SessionPage,
  SessionSummary,
} from './sessions/index.js';
export { Runner, checkMessageSize, stopReasonOf, maxModelAttempts } from './runner/runner.js';
export type {
  Delegation,
  DelegationResult,
  PeerDelegate,
  ModelErrorHookInput,
  RunnerHooks,
  RunnerOptions,
  TurnCompaction,
  TurnHookInput,
  TurnRequest,
  TurnResult,
  TurnSink,
  TurnStatus,
  TurnStopReason,
} from './runner/runner-types.js';
export type { CallUsage, TurnUsage } from './runner/turn-usage.js';
export {
  resolveSessionRoute,
  anonymousUserId,
  turnMetadataKeys,
} from './runner/resolve-session-route.js';
export type { SessionRoute } from './runner/resolve-session-route.js';
export {
  createReplyContent,
  createUserContent,
  isFailedReply,
  replyDataOf,
  textOf,
} from './runner/reply-content.js';
export type { ReplyData, ReplyStatus } from './runner/reply-content.js';
export { buildPrompt, summaryHeading } from './runner/build-prompt.js';
export type { TurnPrompt } from './runner/build-prompt.js';
export {
  createAgentCard,
  sessionPersistenceExtensionUri,
  sessionPersistenceOf,
  restPath,
} from './a2a/agent-card.js';
export type { SessionPersistenceParams } from './a2a/agent-card.js';
export { createA2aApp, agentCardPaths, bodyLimitFor } from './a2a/create-a2a-app.js';
export type { A2aAppOptions, ReadinessCheck, ReadinessReport } from './a2a/create-a2a-app.js';
export { RunnerAgentExecutor, replyArtifactId } from './a2a/runner-agent-executor.js';
export { SqlTaskStore } from './a2a/sql-task-store.js';
export type { SqlTaskStoreOptions } from './a2a/sql-task-store.js';
export { GuardedRequestHandler } from './a2a/guarded-request-handler.js';
export { A2aPeerDelegate } from './peers/a2a-peer-delegate.js';
export type { A2aPeerDelegateOptions } from './peers/a2a-peer-delegate.js';
export { parseDelegation } from './peers/parse-delegation.js';
export {
  createLanguageModel,
  resolveContextWindow,
  estimateTokens,
  estimateTranscriptTokens,
  estimatePromptTokens,
  findApiCallError,
  BuiltinRecallModel,
  answerFromTranscript,
  builtinSummaryInstruction,
  builtinSummaryHeading,
  createContextLengthExceededBody,
} from './models/index.js';
export type {
  CreateLanguageModelOptions,
  BuiltinRecallModelOptions,
  TranscriptMessage,
  ModelConfigInput,
} from './models/index.js';
export {
  compactSession,
  createCompactionHooks,
  createOverflowHandler,
  createSessionLock,
  estimateWindow,
  generalSummaryInstruction,
  isContextOverflowError,
  selectTurnsToCompact,
  splitIntoTurns,
  turnsToCompact,
} from './compaction/index.js';
export type {
  CompactSessionOptions,
  CompactionHooksOptions,
  CompactionReason,
  CompactionResult,
  OverflowInfo,
  SessionLock,
  SessionLockOptions,
  StoredCompaction,
  TurnSelection,
} from './compaction/index.js';
export { createManagementRouter } from './management/create-management-router.js';
export type { ManagementRouterOptions } from './management/create-management-router.js';
export { compactOnRequest } from './management/compact-on-request.js';
export type { CompactOnRequestOptions } from './management/compact-on-request.js';
export { readContextUsage, describeCompaction } from './management/read-context-usage.js';
export type { ContextUsage, ReadContextUsageOptions } from './management/read-context-usage.js';
export { parseCompactRequest, parseSessionQuery } from './management/parse-management-request.js';
export type { CompactTarget, SessionTarget } from './management/parse-management-request.js';
