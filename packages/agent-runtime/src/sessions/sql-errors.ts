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

/** Classifies an error thrown by the Prisma client for the session tables, on every provider. */
export function classifySqlError(error: unknown): SqlErrorKind {
  const cause = adapterCause(error);
  const prismaCode = (error as { code?: unknown } | null)?.code;
  if (cause === undefined) {
    return typeof prismaCode === 'string' && retryablePrismaCodes.has(prismaCode)
      ? 'retryable'
      : 'other';
  }
  if (cause.kind === 'UniqueConstraintViolation') {
    const described = `${JSON.stringify(cause.constraint ?? '')} ${String(cause.originalMessage ?? '')}`;
    if (described.includes('message_id')) return 'duplicate-message';
    if (
      described.includes('sessions_app_name_user_id_id_key') ||
      described.includes('"app_name","user_id","id"')
    ) {
      return 'duplicate-session';
    }
    // The event's (session_pk, seq) or a state row another writer inserted first.
    return 'retryable';
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
