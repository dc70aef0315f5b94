import { isUniqueConstraintError } from '@agent-mesh/shared';

/** What a database error means to the session service. */
export type SqlErrorKind =
  /** A second event with the same (session, messageId): the turn was re-sent. */
  | 'duplicate-message'
  /** A session with the same (appName, userId, sessionId) already exists. */
  | 'duplicate-session'
  /** Lost a race and nothing was written (seq taken, deadlock, busy SQLite file): retry. */
  | 'retryable'
  | 'other';

interface AdapterCause {
  kind?: unknown;
  code?: unknown;
  originalCode?: unknown;
  originalMessage?: unknown;
  message?: unknown;
  constraint?: unknown;
}

function adapterCause(error: unknown): AdapterCause | undefined {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: unknown } } } | null)?.meta;
  const cause = meta?.driverAdapterError?.cause;
  return typeof cause === 'object' && cause !== null ? (cause as AdapterCause) : undefined;
}

/** PostgreSQL SQLSTATEs and MySQL error numbers that mean "try the transaction again". */
const retryableCodes = new Set([
  '40001', // PostgreSQL serialization_failure
  '40P01', // PostgreSQL deadlock_detected
  '55P03', // PostgreSQL lock_not_available
  '1213', // MySQL deadlock
  '1205', // MySQL lock wait timeout
]);

/**
 * Prisma error codes that mean a transaction lost a race and was rolled back. Timeouts are not retried:
 * a statement that timed out may still have committed, and a retry would store the event twice.
 */
const retryablePrismaCodes = new Set(['P2034']);

/** The fields of a driver's own error: better-sqlite3, node-postgres, the MariaDB connector. */
interface DriverError {
  code?: unknown;
  errno?: unknown;
  constraint?: unknown;
  sqlMessage?: unknown;
  message?: unknown;
}

/** Which unique key a duplicate hit, from the constraint name or the driver's message. */
function classifyDuplicate(described: string): SqlErrorKind {
  if (described.includes('message_id')) return 'duplicate-message';
  if (
    described.includes('sessions_app_name_user_id_id_key') ||
    described.includes('"app_name","user_id","id"') ||
    described.includes('sessions.app_name, sessions.user_id, sessions.id')
  ) {
    return 'duplicate-session';
  }
  // The event's (session_pk, seq) or a state row another writer inserted first.
  return 'retryable';
}

/** Classifies an error of the driver itself (the session service's direct path), or null if it is not one. */
function classifyDriverError(error: unknown): SqlErrorKind | null {
  // Prisma's errors (they carry its clientVersion) are classified from their adapter cause below.
  if (typeof error !== 'object' || error === null || 'clientVersion' in error) return null;
  const { code, errno, constraint, sqlMessage, message } = error as DriverError;
  // The key's name: PostgreSQL names the constraint; MariaDB's sqlMessage and SQLite's message name the
  // key or its columns (MariaDB's message also quotes the whole statement, columns and all).
  const text = String(constraint ?? sqlMessage ?? message ?? '');
  const codeText = String(code ?? '');
  if (isUniqueConstraintError(error)) return classifyDuplicate(text);
  if (
    retryableCodes.has(codeText) ||
    retryableCodes.has(String(errno ?? '')) ||
    codeText === 'ER_LOCK_DEADLOCK' ||
    codeText === 'ER_LOCK_WAIT_TIMEOUT' ||
    codeText.startsWith('SQLITE_BUSY') ||
    codeText.startsWith('SQLITE_LOCKED')
  ) {
    return 'retryable';
  }
  return null;
}

/** Classifies an error thrown for the session tables by the driver or the Prisma client, on every provider. */
export function classifySqlError(error: unknown): SqlErrorKind {
  const direct = classifyDriverError(error);
  if (direct !== null) return direct;
  const cause = adapterCause(error);
  const prismaCode = (error as { code?: unknown } | null)?.code;
  if (cause === undefined) {
    return typeof prismaCode === 'string' && retryablePrismaCodes.has(prismaCode)
      ? 'retryable'
      : 'other';
  }
  if (cause.kind === 'UniqueConstraintViolation') {
    return classifyDuplicate(
      `${JSON.stringify(cause.constraint ?? '')} ${String(cause.originalMessage ?? '')}`,
    );
  }
  if (cause.kind === 'TransactionWriteConflict') return 'retryable';
  const code = String(cause.originalCode ?? cause.code ?? '');
  if (
    retryableCodes.has(code) ||
    code.startsWith('SQLITE_BUSY') ||
    code.startsWith('SQLITE_LOCKED')
  ) {
    return 'retryable';
  }
  return typeof prismaCode === 'string' && retryablePrismaCodes.has(prismaCode)
    ? 'retryable'
    : 'other';
}
