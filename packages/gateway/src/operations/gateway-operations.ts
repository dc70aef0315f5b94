import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import {
  MeshMetrics,
  retentionTimings,
  startRetentionSchedule,
  type DatabasePoolStats,
  type GatewayConfig,
  type GatewayDatabase,
  type Logger,
  type RetentionSchedule,
} from '@agent-mesh/shared';
import type { TaskRecord, FinalTaskStatus } from '../store/gateway-store.js';
import { GatewaySessionAdmin } from '../store/gateway-session-admin.js';

/** The default shutdown_grace_ms, for configs built by hand. */
export const defaultShutdownGraceMs = 8000;

/** Told when the task runner starts and finishes a reply (metrics, logs); must not throw. */
export interface TaskObserver {
  taskStarted?(task: TaskRecord): void;
  taskFinished?(task: TaskRecord, status: FinalTaskStatus, durationMs: number): void;
}

/** What the gateway's operational parts are built from. */
export interface GatewayOperationsOptions {
  config: GatewayConfig;
  /** The gateway database when history is kept in SQL (absent for memory or an injected store). */
  database: GatewayDatabase | undefined;
  logger: Logger;
  version: string;
}

/**
 * The operational side of one gateway process: Prometheus metrics, the task observer that counts and
 * logs replies, request ids and access logs, the draining state of a graceful shutdown, pool details for
 * /readyz and the scheduled retention.
 */
export class GatewayOperations {
  readonly metrics: MeshMetrics;
  private draining = false;

  constructor(private readonly options: GatewayOperationsOptions) {
    this.metrics = new MeshMetrics({ kind: 'gateway', version: options.version });
    const database = options.database;
    if (database !== undefined) this.metrics.observePool(() => database.poolStats());
  }

  /** True once a shutdown started: /readyz answers 503 and new writes are refused. */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Enters the draining state of a graceful shutdown. */
  startDraining(): void {
    this.draining = true;
  }

  /** The pool's size and use, for /readyz; undefined without a SQL database. */
  poolStats(): DatabasePoolStats | undefined {
    return this.options.database?.poolStats();
  }

  /** Counts replies and writes one JSON log line per finished reply with its task and session ids. */
  readonly taskObserver: TaskObserver = {
    taskStarted: (task) => {
      this.metrics.turnStarted(task.agent);
    },
    taskFinished: (task, status, durationMs) => {
      this.metrics.turnFinished(task.agent, status, durationMs / 1000);
      this.options.logger[status === 'completed' || status === 'canceled' ? 'info' : 'warn'](
        {
          taskId: task.id,
          sessionId: task.sessionId,
          userId: task.userId,
          agent: task.agent,
          status,
          durationMs,
        },
        `reply ${status}`,
      );
    },
  };

  /**
   * Middleware first in the chain: counts the request for /metrics, gives it a request id (a sane
   * incoming `X-Request-Id` from a proxy, or a new one, echoed in the response), logs API writes and
   * server errors as one JSON line each, and — while draining — refuses new API writes with 503 and
   * `Connection: close`, so clients come back through the load balancer to another instance.
   */
  requestMiddleware(): RequestHandler[] {
    const { logger } = this.options;
    const countRequest = this.metrics.httpMiddleware();
    const track: RequestHandler = (request, response, next) => {
      const incoming = request.header('x-request-id');
      const requestId =
        incoming !== undefined && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
      response.setHeader('X-Request-Id', requestId);
      response.locals.requestId = requestId;
      const started = Date.now();
      response.once('finish', () => {
        const isApi = request.originalUrl.startsWith('/api/');
        const level =
          response.statusCode >= 500 ? 'warn' : isApi && isWrite(request.method) ? 'info' : 'debug';
        logger[level](
          {
            requestId,
            method: request.method,
            path: request.originalUrl.split('?')[0],
            status: response.statusCode,
            durationMs: Date.now() - started,
            ...userOf(response.locals.user),
          },
          'request',
        );
      });
      // A cancel still goes through: the user may stop a reply that is finishing here.
      const path = request.originalUrl.split('?')[0] ?? '';
      if (
        this.draining &&
        path.startsWith('/api/') &&
        isWrite(request.method) &&
        !path.endsWith('/cancel')
      ) {
        response.setHeader('Connection', 'close');
        response.status(503).json({
          error: {
            code: 'AGENT_UNAVAILABLE',
            message:
              'This gateway instance is shutting down; send the request again (another instance will take it).',
            details: {},
          },
        });
        return;
      }
      next();
    };
    return [(request, response, next) => countRequest(request, response, next), track];
  }

  /** GET /metrics (Prometheus text format) and a /readyz that answers 503 while draining. */
  routes(): { metrics: RequestHandler; readyWhileDraining: RequestHandler } {
    return {
      metrics: (_request, response, next) => {
        this.metrics.render().then((text) => {
          response.type(this.metrics.contentType).send(text);
        }, next);
      },
      readyWhileDraining: (_request, response, next) => {
        if (!this.draining) {
          next();
          return;
        }
        response.setHeader('Connection', 'close');
        response.status(503).json({
          status: 'stopping',
          reason: 'the gateway is shutting down; running replies are finishing',
        });
      },
    };
  }

  /** Starts the scheduled prune when `retention:` is configured with a SQL database; undefined otherwise. */
  startRetention(): RetentionSchedule | undefined {
    const { config, database, logger } = this.options;
    const retention = config.retention;
    if (retention === undefined) return undefined;
    const service = config.session_service;
    if (database === undefined || service.type !== 'sql') {
      logger.warn(
        'gateway.retention is set but history is kept in memory (session_service.type: memory): nothing to prune.',
      );
      return undefined;
    }
    const admin = new GatewaySessionAdmin(database);
    return startRetentionSchedule({
      ...retentionTimings(retention),
      prune: (cutoff, signal) => admin.pruneSessions({ olderThan: cutoff, signal }),
      lock: {
        target: { url: service.database_url, pool: service.pool, logger },
        name: 'retention:gateway',
      },
      logger,
      metrics: this.metrics,
    });
  }
}

function isWrite(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}

/** The caller's user id, once the identity middleware set `response.locals.user`. */
function userOf(user: unknown): { userId?: string } {
  const id = (user as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? { userId: id } : {};
}
