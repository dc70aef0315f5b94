import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  MeshError,
  isDatabaseUnavailableError,
  isMeshError,
  type Logger,
  type MeshErrorCode,
} from '@agent-mesh/shared';

/** The HTTP status of every error code; a code without one fails the build. */
export const httpStatusByCode: Record<MeshErrorCode, number> = {
  CONFIG_INVALID: 500,
  CONFIG_NOT_FOUND: 500,
  DATABASE_URL_INVALID: 500,
  DATABASE_UNAVAILABLE: 503,
  MIGRATION_FAILED: 500,
  MIGRATION_CHECKSUM_MISMATCH: 500,
  SESSION_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  AGENT_NOT_FOUND: 400,
  AGENT_UNAVAILABLE: 503,
  REQUEST_INVALID: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  CONTEXT_OVERFLOW: 422,
  LLM_CALL_FAILED: 502,
  NOT_IMPLEMENTED: 501,
  INTERNAL: 500,
};

/** Answers unknown /api routes with a JSON 404 (code REQUEST_INVALID) instead of the web UI. */
export const apiNotFound: RequestHandler = (request, response) => {
  const path = request.originalUrl.split('?')[0] ?? request.originalUrl;
  response.status(404).json({
    error: {
      code: 'REQUEST_INVALID',
      message: `There is no API route ${request.method} ${path}; docs/api.md lists the routes.`,
      details: { method: request.method, path },
    },
  });
};

/**
 * Turns any error into `{ error: { code, message, details } }` with the status mapped from its code.
 * Body-parser errors (bad JSON, body too large) become REQUEST_INVALID and PAYLOAD_TOO_LARGE; anything
 * unexpected is logged and answered as INTERNAL without internals.
 */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, request, response, _next) => {
    const meshError = toMeshError(error);
    const status = httpStatusByCode[meshError.code];
    if (status >= 500 && (meshError.code === 'INTERNAL' || !isMeshError(error))) {
      logger.error(
        {
          err: error,
          method: request.method,
          url: request.originalUrl,
          requestId: response.locals.requestId as unknown,
        },
        'request failed',
      );
    }
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(status).json({ error: meshError.toJSON() });
  };
}

function toMeshError(error: unknown): MeshError {
  if (isMeshError(error)) return error;
  const bodyError = error as {
    type?: unknown;
    status?: unknown;
    limit?: unknown;
    length?: unknown;
  };
  if (bodyError?.type === 'entity.too.large') {
    return new MeshError(
      'PAYLOAD_TOO_LARGE',
      `The request body is larger than the limit of ${String(bodyError.limit)} bytes (gateway.limits.max_body_bytes).`,
      { limit: bodyError.limit, length: bodyError.length },
    );
  }
  if (bodyError?.type === 'entity.parse.failed') {
    return new MeshError(
      'REQUEST_INVALID',
      `The request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (isDatabaseUnavailableError(error)) {
    return new MeshError(
      'DATABASE_UNAVAILABLE',
      'The gateway database is not answering. Try again in a moment (a message sent with a clientMessageId can be sent again safely: it is stored once).',
    );
  }
  if (typeof bodyError?.status === 'number' && bodyError.status >= 400 && bodyError.status < 500) {
    return new MeshError('REQUEST_INVALID', (error as Error).message || 'Bad request.');
  }
  return new MeshError('INTERNAL', 'Internal error; the gateway log has the details.');
}
