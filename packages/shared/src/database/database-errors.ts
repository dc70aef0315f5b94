import { MeshError } from '../errors/mesh-error.js';
import { describeDatabaseTarget } from './connection-settings.js';
import type { ParsedDatabaseUrl } from './database-types.js';

/** Driver error codes that mean "the database itself does not exist" (PostgreSQL, MySQL/MariaDB). */
const missingDatabaseCodes = new Set(['3D000', 'ER_BAD_DB_ERROR']);

/** Tells whether a driver error says the named database does not exist. */
export function isMissingDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && missingDatabaseCodes.has(code);
}

interface PrismaDriverError {
  code?: unknown;
  meta?: {
    driverAdapterError?: {
      cause?: { originalMessage?: unknown; originalCode?: unknown; kind?: unknown };
    };
  };
}

/** Drops Prisma's "Invalid `prisma.x()` invocation:" preamble and joins the rest into one line. */
function cleanPrismaMessage(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^Invalid `.*` invocation/.test(line))
    .join(' ');
}

/** Describes a driver error in one line, including what an AggregateError (IPv4 + IPv6) hides. */
export function describeCause(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map((inner: unknown) => describeCause(inner)).join('; ');
  }
  const driverCause = (error as PrismaDriverError | null)?.meta?.driverAdapterError?.cause;
  if (typeof driverCause?.originalMessage === 'string') {
    const code = driverCause.originalCode;
    return typeof code === 'string' || typeof code === 'number'
      ? `${driverCause.originalMessage} (${code})`
      : driverCause.originalMessage;
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const message =
      error.message !== '' ? cleanPrismaMessage(error.message) : String(code ?? error.name);
    return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message;
  }
  return String(error);
}

/**
 * Wraps a connection failure as DATABASE_UNAVAILABLE naming the engine, host, port, database and
 * user, with the driver's reason; a MeshError passes through unchanged.
 */
export function toUnavailableError(parsed: ParsedDatabaseUrl, error: unknown): MeshError {
  if (error instanceof MeshError) return error;
  const hint = isMissingDatabaseError(error)
    ? 'Create the database, or run `agent-mesh migrate` with a user allowed to create it.'
    : 'Check that the server is running and reachable and that the URL, user and password are right.';
  return new MeshError(
    'DATABASE_UNAVAILABLE',
    `Cannot connect to the ${describeDatabaseTarget(parsed)}: ${describeCause(error)}. ${hint} (URL: ${parsed.redacted})`,
    {
      provider: parsed.provider,
      host: parsed.host ?? parsed.socketPath,
      port: parsed.port,
      database: parsed.database ?? parsed.sqlitePath,
      url: parsed.redacted,
    },
    { cause: error },
  );
}

/**
 * Tells whether a Prisma error (model call P2002, or a raw query P2010) is a unique or primary-key
 * violation on any provider, e.g. an optimistic append that lost the race for a `seq`.
 */
export function isUniqueConstraintError(error: unknown): boolean {
  const candidate = error as (PrismaDriverError & { code?: unknown; errno?: unknown }) | null;
  if (candidate?.code === 'P2002') return true;
  if (candidate?.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation') return true;
  // The driver's own error (database.driver): PostgreSQL unique_violation, MySQL/MariaDB ER_DUP_ENTRY,
  // SQLite UNIQUE or PRIMARY KEY constraint.
  return uniqueViolationCodes.has(String(candidate?.code)) || candidate?.errno === 1062;
}

const uniqueViolationCodes = new Set([
  '23505',
  'ER_DUP_ENTRY',
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);

const transientCodes = new Set([
  '40P01',
  '40001',
  '1213',
  '1205',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
]);

/**
 * Tells whether a database error is a transient conflict with concurrent work, worth retrying the
 * transaction: PostgreSQL deadlock (40P01) or serialization failure (40001), MySQL/MariaDB deadlock
 * (1213) or lock wait timeout (1205), SQLite busy.
 */
export function isTransientConflictError(error: unknown): boolean {
  const candidate = error as (PrismaDriverError & { code?: unknown }) | null;
  const cause = candidate?.meta?.driverAdapterError?.cause;
  const codes = [candidate?.code, cause?.originalCode, cause?.kind].map((code) => String(code));
  if (codes.some((code) => transientCodes.has(code))) return true;
  return /deadlock|SQLITE_BUSY|database is locked|lock wait timeout/i.test(describeCause(error));
}

/** Driver and Prisma codes meaning the database cannot be used right now (not a bug, not bad input). */
const unavailableCodes = new Set([
  // Prisma: server unreachable, timed out, connection closed, no pool connection in time, a
  // transaction that could not start or finish in time (the database is busy).
  'P1001',
  'P1002',
  'P1008',
  'P1017',
  'P2024',
  'P2028',
  // PostgreSQL: administrator or crash shutdown, cannot connect now, too many connections.
  '57P01',
  '57P02',
  '57P03',
  '53300',
  // MySQL/MariaDB: server shutdown, connection killed, too many connections, connection lost.
  '1040',
  '1053',
  '1927',
  '2006',
  '2013',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_GET_CONNECTION_TIMEOUT',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SOCKET_UNEXPECTED_CLOSE',
  'ER_CONNECTION_ALREADY_CLOSED',
  'ER_CLOSING_POOL',
  // Sockets.
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  // SQLite: another writer holds the file beyond the busy timeout.
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
]);

/** Prisma driver-adapter error kinds meaning the connection is gone or cannot be made. */
const unavailableKinds = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TlsConnectionError',
]);

const unavailableMessage =
  /ECONNREFUSED|ECONNRESET|Connection terminated|connection is closed|not queryable|terminating connection|timeout exceeded when trying to connect|retrieve connection from pool timeout|database is locked|SQLITE_BUSY/i;

/**
 * Tells whether an error means the database cannot be used right now — unreachable, its connections
 * terminated, the pool exhausted, a SQLite file locked by another writer — rather than a bug or bad
 * input, so callers answer "unavailable, try again" (HTTP 503) instead of an internal error.
 */
export function isDatabaseUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof MeshError) return error.code === 'DATABASE_UNAVAILABLE';
  if (error.name === 'PrismaClientInitializationError') return true;
  const candidate = error as PrismaDriverError & { code?: unknown };
  const cause = candidate.meta?.driverAdapterError?.cause;
  const codes = [candidate.code, cause?.originalCode, cause?.kind].map((code) => String(code));
  if (codes.some((code) => unavailableCodes.has(code) || unavailableKinds.has(code))) return true;
  // PostgreSQL class 08: connection exceptions.
  if (codes.some((code) => /^08[0-9A-Z]{3}$/.test(code))) return true;
  return unavailableMessage.test(describeCause(error)) || unavailableMessage.test(error.message);
}
