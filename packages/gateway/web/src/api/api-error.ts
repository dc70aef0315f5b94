/**
 * An error answer of the gateway (`{ error: { code, message, details } }`) or a failure to reach it; the
 * code is the gateway's MeshError code, or `NETWORK` / `BAD_RESPONSE` for problems on the way.
 */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Builds an ApiError from a parsed error body, falling back to the HTTP status when the body is not ours. */
export function toApiError(status: number, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = (body as { error: unknown }).error;
    if (typeof error === 'object' && error !== null) {
      const { code, message, details } = error as Record<string, unknown>;
      return new ApiError(
        typeof code === 'string' ? code : 'INTERNAL',
        typeof message === 'string' ? message : `The gateway answered ${status}.`,
        status,
        typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : {},
      );
    }
  }
  return new ApiError(
    'BAD_RESPONSE',
    `The gateway answered ${status} without an error body.`,
    status,
  );
}

/** A one-line message for any thrown value, for toasts and inline errors. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
