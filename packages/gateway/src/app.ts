import express, { type Express, type RequestHandler } from 'express';
import type { GatewayConfig, Logger } from '@agent-mesh/shared';
import type { AgentRegistry } from './agents/agent-registry.js';
import { ChatService } from './chat/chat-service.js';
import { createAddressMatcher } from './http/address-matcher.js';
import { apiNotFound, createErrorHandler } from './http/error-handler.js';
import type { Identity } from './http/identity.js';
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
  runner: TaskRunner;
  feed: TaskEventFeed;
  /** express-session middleware (cookie `agent_mesh.sid`), shared with the WebSocket upgrade. */
  session: RequestHandler;
  identity: Identity;
  logger: Logger;
  /** This gateway instance, recorded with each task. */
  gatewayId: string;
  version: string;
  /** Folder of the built web UI (packages/gateway/web/dist). */
  webRoot: string;
  now?: () => Date;
}

/**
 * Builds the gateway's Express app without listening: /healthz and /readyz, the REST API under /api/v1
 * (cookie session, identity, JSON bodies up to `limits.max_body_bytes`), /api/v1/platform/* (501 until
 * configured), JSON errors, and the web UI with SPA fallback.
 */
export function createApp(deps: GatewayAppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  // Behind a TLS-terminating proxy on this host (or a configured trusted one) the cookie gets Secure.
  const trusted = deps.config.auth.header.trusted_proxies;
  createAddressMatcher(trusted, 'gateway.auth.header.trusted_proxies');
  app.set('trust proxy', ['loopback', ...trusted]);

  const chat = new ChatService({
    store: deps.store,
    runner: deps.runner,
    agents: deps.agents,
    feed: deps.feed,
    logger: deps.logger,
    gatewayId: deps.gatewayId,
    ...(deps.now ? { now: deps.now } : {}),
  });

  app.use(createHealthRoutes({ store: deps.store, agents: deps.agents }));

  const api = express.Router();
  api.use(express.json({ limit: deps.config.limits.max_body_bytes }));
  api.all(['/platform', '/platform/{*path}'], createPlatformHandler(deps.config.platform_service));
  api.use(deps.session, deps.identity.middleware);
  api.use(
    createMetaRoutes({
      config: deps.config,
      agents: deps.agents,
      persistence: deps.store.persistence,
      version: deps.version,
    }),
  );
  api.use(createSessionRoutes(chat));
  api.use(createTaskRoutes(chat));
  api.use(apiNotFound);
  app.use('/api/v1', api);
  app.use('/api', apiNotFound);

  app.use(createWebUiRoutes(deps.webRoot));
  app.use(createErrorHandler(deps.logger));
  return app;
}
