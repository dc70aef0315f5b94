import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { A2A_ERROR_CODE, RequestMalformedError, toRestErrorBody } from '@a2a-js/sdk/errors';
import type { A2ARequestHandler } from '@a2a-js/sdk/server';
import {
  UserBuilder,
  agentCardHandler,
  jsonRpcHandler,
  restHandler,
} from '@a2a-js/sdk/server/express';
import { agentManagementBasePath, type Logger, type MeshMetrics } from '@agent-mesh/shared';
import { restPath } from './agent-card.js';
import { bearerTokenMatches } from './bearer-token.js';

/** One readiness check's outcome. */
export interface ReadinessCheck {
  ok: boolean;
  /** Why it is not ok, in words an operator can act on. */
  message?: string;
  /** What an operator may want to see, e.g. the database pool's size and use. */
  details?: Record<string, unknown>;
}

/** What /readyz reports: ready when every check is ok. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, ReadinessCheck>;
}

/** What the A2A HTTP app is built from. */
export interface A2aAppOptions {
  agentName: string;
  requestHandler: A2ARequestHandler;
  /** limits.max_message_bytes: the request body may be somewhat larger (JSON envelope and escaping). */
  maxMessageBytes: number;
  /** agent.auth.token; empty = open. */
  token: string;
  checkReadiness(): Promise<ReadinessReport>;
  /**
   * The agent management API (createManagementRouter), mounted at /mesh/v1; it checks the token and
   * parses its bodies itself.
   */
  management?: RequestHandler;
  /** Counts HTTP requests and serves GET /metrics (Prometheus text format). */
  metrics?: MeshMetrics;
  logger: Logger;
}

/** Where the agent card is served: the current path and the one A2A 0.2 clients look for. */
export const agentCardPaths = ['/.well-known/agent-card.json', '/.well-known/agent.json'] as const;

/** Largest accepted request body for a message limit: room for JSON escaping and the envelope. */
export function bodyLimitFor(maxMessageBytes: number): number {
  return maxMessageBytes * 2 + 64 * 1024;
}

type Binding = 'jsonrpc' | 'rest';

function sendError(
  response: express.Response,
  binding: Binding,
  status: number,
  code: number,
  message: string,
): void {
  if (binding === 'jsonrpc') {
    response.status(status).json({ jsonrpc: '2.0', id: null, error: { code, message } });
  } else {
    response.status(status).json(toRestErrorBody(new RequestMalformedError(message), status));
  }
}

function requireToken(token: string, binding: Binding): RequestHandler {
  return (request, response, next) => {
    if (token === '' || bearerTokenMatches(request.header('authorization'), token)) {
      next();
      return;
    }
    response.setHeader('WWW-Authenticate', 'Bearer');
    sendError(
      response,
      binding,
      401,
      A2A_ERROR_CODE.INVALID_REQUEST,
      'This agent needs "Authorization: Bearer <token>" with its agent.auth.token.',
    );
  };
}

function bodyErrors(binding: Binding, options: A2aAppOptions): ErrorRequestHandler {
  return (error: unknown, _request, response, next) => {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') {
      const limit = bodyLimitFor(options.maxMessageBytes);
      sendError(
        response,
        binding,
        413,
        A2A_ERROR_CODE.INVALID_REQUEST,
        `The request body is larger than ${limit} bytes; agent "${options.agentName}" accepts messages of at most ` +
          `${options.maxMessageBytes} bytes (limits.max_message_bytes). Send a shorter message or raise the limit.`,
      );
      return;
    }
    if (type === 'entity.parse.failed') {
      sendError(
        response,
        binding,
        binding === 'jsonrpc' ? 200 : 400,
        A2A_ERROR_CODE.PARSE_ERROR,
        `Invalid JSON payload: ${(error as Error).message}`,
      );
      return;
    }
    next(error);
  };
}

/**
 * Sends what a streaming response writes within one turn of the event loop together: the SDK flushes the
 * SSE headers and then writes every event on its own (a syscall and a TCP segment each, for the agent and
 * for the gateway reading it), while one reply's events mostly come in a burst. The writes are corked at
 * the first one and sent before the loop next waits for I/O (setImmediate), so no event is held back
 * longer than that.
 */
function sendWritesPerTick(): RequestHandler {
  return (_request, response, next) => {
    const write = response.write.bind(response) as (...args: unknown[]) => boolean;
    const flushHeaders = response.flushHeaders.bind(response);
    let corked = false;
    const corkUntilNextTick = (): void => {
      if (corked || response.writableEnded) return;
      corked = true;
      response.cork();
      setImmediate(() => {
        corked = false;
        // end() sends everything corked by itself.
        if (!response.writableEnded) response.uncork();
      });
    };
    response.write = ((...args: unknown[]) => {
      corkUntilNextTick();
      return write(...args);
    }) as typeof response.write;
    response.flushHeaders = () => {
      corkUntilNextTick();
      flushHeaders();
    };
    next();
  };
}

/**
 * Builds the agent's HTTP app (no listen): A2A JSON-RPC at `/`, HTTP+JSON at `/rest`, both with the v0.3
 * compatibility layer on; the agent card at /.well-known/agent-card.json and /.well-known/agent.json;
 * `/healthz` (process up), `/readyz` (503 with the reasons when a dependency is missing), `/metrics`
 * (Prometheus, when metrics are given) and, when given, the management API under /mesh/v1. Bodies are
 * parsed here with a limit derived from limits.max_message_bytes, so an oversized one gets a clear A2A error;
 * streamed events produced in the same event-loop turn leave in one write.
 */
export function createA2aApp(options: A2aAppOptions): Express {
  const { requestHandler, token, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  const metrics = options.metrics;
  if (metrics !== undefined) {
    app.use(metrics.httpMiddleware());
    app.get('/metrics', (_request, response, next) => {
      metrics.render().then((text) => {
        response.type(metrics.contentType).send(text);
      }, next);
    });
  }

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok', agent: options.agentName });
  });
  app.get('/readyz', (_request, response) => {
    options.checkReadiness().then(
      (report) => {
        const reasons = Object.entries(report.checks)
          .filter(([, check]) => !check.ok)
          .map(([name, check]) => `${name}: ${check.message ?? 'not ready'}`);
        response.status(report.ready ? 200 : 503).json({
          status: report.ready ? 'ready' : 'not-ready',
          agent: options.agentName,
          ...(report.ready ? {} : { reason: reasons.join('; ') }),
          checks: report.checks,
        });
      },
      (error: unknown) => {
        response
          .status(503)
          .json({ status: 'not-ready', agent: options.agentName, reason: String(error) });
      },
    );
  });

  for (const path of agentCardPaths) {
    app.use(
      path,
      agentCardHandler({ agentCardProvider: requestHandler, legacyCompat: { enabled: true } }),
    );
  }

  const limit = bodyLimitFor(options.maxMessageBytes);
  app.use(
    restPath,
    requireToken(token, 'rest'),
    sendWritesPerTick(),
    express.json({ limit, type: ['application/json', 'application/a2a+json'], strict: false }),
    bodyErrors('rest', options),
    restHandler({
      requestHandler,
      userBuilder: UserBuilder.noAuthentication,
      legacyCompat: { enabled: true },
    }),
  );
  app.post(
    '/',
    requireToken(token, 'jsonrpc'),
    sendWritesPerTick(),
    express.json({ limit, type: 'application/json' }),
    bodyErrors('jsonrpc', options),
    jsonRpcHandler({
      requestHandler,
      userBuilder: UserBuilder.noAuthentication,
      legacyCompat: { enabled: true },
    }),
  );

  if (options.management !== undefined) app.use(agentManagementBasePath, options.management);

  app.use((request, response) => {
    response.status(404).json({
      error: {
        code: 'NOT_FOUND',
        message: `No route for ${request.method} ${request.path}. A2A JSON-RPC is served at POST /, HTTP+JSON under ${restPath}, the card at ${agentCardPaths[0]}, the management API under ${agentManagementBasePath}.`,
      },
    });
  });
  const lastResort: ErrorRequestHandler = (error: unknown, request, response, _next) => {
    logger.error({ err: error, path: request.path }, 'request failed');
    if (response.headersSent) {
      response.end();
      return;
    }
    response
      .status(500)
      .json({ error: { code: 'INTERNAL', message: 'The agent could not handle this request.' } });
  };
  app.use(lastResort);
  return app;
}
