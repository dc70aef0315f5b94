import { Router } from 'express';
import type { GatewayConfig } from '@agent-mesh/shared';
import type { AgentRegistry } from '../agents/agent-registry.js';
import { userOf } from '../http/identity.js';
import type { GatewayPersistence } from '../store/gateway-store.js';

/** What GET /config reports besides the user. */
export interface MetaRoutesOptions {
  config: GatewayConfig;
  agents: AgentRegistry;
  persistence: GatewayPersistence;
  version: string;
}

/** A warning shown by the UI when history lives in memory. */
export const memoryPersistenceWarning =
  'Chat history is kept in memory: it is lost when the gateway restarts. Set gateway.session_service.type: sql to keep it.';

/** GET /config (who am I, persistence, warnings) and GET /agents (availability of each agent). */
export function createMetaRoutes(options: MetaRoutesOptions): Router {
  const router = Router();

  router.get('/config', (request, response) => {
    const warnings = [
      ...(options.persistence === 'memory' ? [memoryPersistenceWarning] : []),
      ...options.agents.warnings(),
    ];
    response.json({
      user: userOf(request),
      persistence: options.persistence,
      auth: { mode: options.config.auth.mode },
      warnings,
      version: options.version,
      limits: { maxBodyBytes: options.config.limits.max_body_bytes },
      platform: { enabled: options.config.platform_service.database_url !== '' },
    });
  });

  router.get('/agents', (_request, response) => {
    response.json({
      agents: options.agents.list().map((agent) => ({
        name: agent.name,
        description: agent.description,
        available: agent.available,
        persistence: agent.persistence,
        ...(agent.warning ? { warning: agent.warning } : {}),
      })),
    });
  });

  return router;
}
