/** Every error code agent-mesh raises; the gateway maps each to an HTTP status (a missing one fails the build). */
export const meshErrorCodes = [
  'CONFIG_INVALID',
  'CONFIG_NOT_FOUND',
  'DATABASE_URL_INVALID',
  'DATABASE_UNAVAILABLE',
  'MIGRATION_FAILED',
  'MIGRATION_CHECKSUM_MISMATCH',
  'SESSION_NOT_FOUND',
  'TASK_NOT_FOUND',
  'AGENT_NOT_FOUND',
  'AGENT_UNAVAILABLE',
  'REQUEST_INVALID',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'CONFLICT',
  'RATE_LIMITED',
  'CONTEXT_OVERFLOW',
  'LLM_CALL_FAILED',
  'NOT_IMPLEMENTED',
  'INTERNAL',
] as const;

/** A machine-readable reason for a MeshError. */
export type MeshErrorCode = (typeof meshErrorCodes)[number];

/** The shape a MeshError takes on the wire, since `instanceof` does not cross processes. */
export interface MeshErrorJson {
  code: MeshErrorCode;
  message: string;
  details: Record<string, unknown>;
}

/** The one error type of agent-mesh: a code to branch on, a message that says what to do, and details. */
export class MeshError extends Error {
  constructor(
    readonly code: MeshErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }

  /** Serialises the error for another process. */
  toJSON(): MeshErrorJson {
    return { code: this.code, message: this.message, details: this.details };
  }

  /** Rebuilds an error sent by another process; an unknown code becomes INTERNAL. */
  static fromJSON(value: { code?: unknown; message?: unknown; details?: unknown }): MeshError {
    const code = isMeshErrorCode(value.code) ? value.code : 'INTERNAL';
    const details =
      typeof value.details === 'object' && value.details !== null
        ? (value.details as Record<string, unknown>)
        : {};
    return new MeshError(
      code,
      typeof value.message === 'string' ? value.message : 'Unknown error',
      details,
    );
  }
}

/** Tells whether a value is one of the known error codes. */
export function isMeshErrorCode(value: unknown): value is MeshErrorCode {
  return typeof value === 'string' && (meshErrorCodes as readonly string[]).includes(value);
}

/** Tells whether an error is a MeshError with the given code (or any code when none is given). */
export function isMeshError(error: unknown, code?: MeshErrorCode): error is MeshError {
  return error instanceof MeshError && (code === undefined || error.code === code);
}
