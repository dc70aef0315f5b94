import express, { type Express, type RequestHandler } from 'express';
import type { GatewayConfig, Logger } from '@agent-mesh/shared';
import { AgentManagementClient } from './agents/agent-management-client.js';
import type { AgentRegistry } from './agents/agent-registry.js';
import { LoginRateLimiter } from './auth/login-rate-limiter.js';
import { ChatService } from './chat/chat-service.js';
import { CompactionService } from './chat/compaction-service.js';
import { createAddressMatcher } from './http/address-matcher.js';
import { apiNotFound, createErrorHandler } from './http/error-handler.js';
import { rejectInvalidUtf8 } from './http/request-validator.js';
import type { Identity } from './http/identity.js';
import { createGatewayOriginCheck, type OriginCheck } from './http/origin-check.js';
import { securityHeaders } from './http/security-headers.js';
import type { GatewayOperations } from './operations/gateway-operations.js';
import { createAuthRoutes } from './routes/auth-routes.js';
import { createCompactionRoutes } from './routes/compaction-routes.js';
import { createHealthRoutes } from './routes/health-routes.js';
import { createMetaRoutes } from './routes/meta-routes.js';
import { createPlatformHandler } from './routes/platform-routes.js';
import { createSessionRoutes } from './routes/session-routes.js';
import { createTaskRoutes } from './routes/task-routes.js';
import { createWebUiRoutes } from './routes/web-ui-routes.js';
import type { GatewayStore } from './store/gateway-store.js';
import type { TaskEventFeed } from './streaming/task-event-feed.js';
import type { TaskRunner } from './streaming/task-runner.js';

/** Everything the HTTP app is built from; server.ts wires the real ones, tests their own. */
export interface GatewayAppDependencies {
  config: GatewayConfig;
  store: GatewayStore;
  agents: AgentRegistry;
  /** Compaction, context usage and the agents' side of deleted chats; default: built on `agents`. */
  compactions?: CompactionService;
  runner: TaskRunner;
  feed: TaskEventFeed;
  /** express-session middleware (cookie `agent_mesh.sid`), shared with the WebSocket upgrade. */
  session: RequestHandler;
  identity: Identity;
  /** The CSRF check (shared with the WebSocket upgrade); default: built from the config. */
  originCheck?: OriginCheck;
  /** Failed sign-in counter; default: a new one with `auth.login_rate_limit`. */
  loginLimiter?: LoginRateLimiter;
  logger: Logger;
  /** This gateway instance, recorded with each task. */
  gatewayId: string;
  version: string;
  /** Folder of the built web UI (packages/gateway/web/dist). */
  webRoot: string;
  /** Metrics (/metrics), request ids and access logs, draining on shutdown, pool details on /readyz. */
  operations?: GatewayOperations;
  now?: () => Date;
}

/**
 * Builds the gateway's Express app without listening: request ids, access logs and metrics (with
 * `operations`), security headers on every response, /healthz, /readyz and /metrics, the REST API under /api/v1 (cross-site writes refused, cookie session, /auth routes, then the
 * identity check, JSON bodies up to `limits.max_body_bytes`, never cached), /api/v1/platform/* (501
 * until configured), JSON errors, and the web UI with SPA fallback.
 */
export function createApp(deps: GatewayAppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind a TLS-terminating proxy on this host (or a configured trusted one) the cookie gets Secure.
  const trusted = deps.config.auth.header.trusted_proxies;
  createAddressMatcher(trusted, 'gateway.auth.header.trusted_proxies');
  app.set('trust proxy', ['loopback', ...trusted]);
  const operations = deps.operations;
  if (operations !== undefined) app.use(operations.requestMiddleware());
  app.use(securityHeaders());
  const originCheck = deps.originCheck ?? createGatewayOriginCheck(deps.config);
  const loginLimiter = deps.loginLimiter ?? new LoginRateLimiter(deps.config.auth.login_rate_limit);

  const management = new AgentManagementClient({ agents: deps.agents, logger: deps.logger });
  const compactions =
    deps.compactions ??
    new CompactionService({
      store: deps.store,
      management,
      logger: deps.logger,
      ...(deps.now ? { now: deps.now } : {}),
    });
  const chat = new ChatService({
    store: deps.store,
    runner: deps.runner,
    agents: deps.agents,
    feed: deps.feed,
    logger: deps.logger,
    gatewayId: deps.gatewayId,
    management,
    ...(deps.now ? { now: deps.now } : {}),
  });

  if (operations !== undefined) {
    const routes = operations.routes();
    app.get('/metrics', routes.metrics);
    app.get('/readyz', routes.readyWhileDraining);
  }
  app.use(
    createHealthRoutes({
      store: deps.store,
      agents: deps.agents,
      ...(operations ? { poolStats: () => operations.poolStats() } : {}),
    }),
  );

  const api = express.Router();
  api.use((_request, response, next) => {
    response.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(originCheck.middleware);
  api.use(express.json({ limit: deps.config.limits.max_body_bytes, verify: rejectInvalidUtf8 }));
  api.use(deps.session);
  api.use(
    createAuthRoutes({ identity: deps.identity, limiter: loginLimiter, logger: deps.logger }),
  );
  api.use(deps.identity.middleware);
  api.all(['/platform', '/platform/{*path}'], createPlatformHandler(deps.config.platform_service));
  api.use(
    createMetaRoutes({
      config: deps.config,
      agents: deps.agents,
      persistence: deps.store.persistence,
      version: deps.version,
    }),
  );
  api.use(createSessionRoutes(chat));
  api.use(createCompactionRoutes(chat, compactions));
  api.use(createTaskRoutes(chat));
  api.use(apiNotFound);
  app.use('/api/v1', api);
  app.use('/api', apiNotFound);

  app.use(createWebUiRoutes(deps.webRoot));
  app.use(createErrorHandler(deps.logger));
  return app;
}
