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
  const candidate = error as PrismaDriverError | null;
  if (candidate?.code === 'P2002') return true;
  return candidate?.meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation';
}
