/**
 * Compaction (design §6): recognising context-overflow errors of every provider, choosing the oldest
 * turns to summarise, writing the summary as an append-only compaction event under a per-session lock
 * shared by every replica on the database, and retrying a turn after an overflow (at most 3 times).
 */
export { isContextOverflowError } from './is-context-overflow-error.js';
export type { OverflowInfo, OverflowSource } from './is-context-overflow-error.js';
export {
  selectTurnsToCompact,
  splitIntoTurns,
  turnsToCompact,
  isUserMessage,
} from './select-turns-to-compact.js';
export type { Turn, TurnSelection, NothingToCompactReason } from './select-turns-to-compact.js';
export {
  buildSummaryRequest,
  clipTranscript,
  generalSummaryInstruction,
  previousSummaryHeading,
  renderTranscript,
  transcriptHeading,
} from './build-summary-prompt.js';
export { compactSession, estimateWindow, isBuiltinModel, modelLabel } from './compact-session.js';
export type {
  CompactSessionOptions,
  CompactionReason,
  CompactionResult,
  StoredCompaction,
} from './compact-session.js';
export {
  runWithCompaction,
  newestTurnTooLong,
  defaultMaxCompactions,
} from './run-with-compaction.js';
export type { RunWithCompactionOptions } from './run-with-compaction.js';
export { createOverflowHandler } from './create-overflow-handler.js';
export { createCompactionHooks } from './create-compaction-hooks.js';
export type { CompactionHooksOptions } from './create-compaction-hooks.js';
export type { ModelErrorInput, OverflowHandlerOptions } from './create-overflow-handler.js';
export { defaultLockTimings, lockWaitTimeout, sessionLockDigest } from './session-lock.js';
export type { SessionLock, SessionLockOptions } from './session-lock.js';
export type { LockDatabase, RawSql, RawSqlClient } from './lock-database.js';
export { createSessionLock } from './create-session-lock.js';
export { InProcessSessionLock } from './in-process-session-lock.js';
export { PostgresqlSessionLock } from './postgresql-session-lock.js';
export { MysqlSessionLock } from './mysql-session-lock.js';
export { SqliteSessionLock, defaultSqliteLeaseMs, sqliteLockTable } from './sqlite-session-lock.js';
