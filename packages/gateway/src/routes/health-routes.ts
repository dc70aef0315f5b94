import { Router } from 'express';
import type { DatabasePoolStats } from '@agent-mesh/shared';
import type { AgentRegistry } from '../agents/agent-registry.js';
import type { GatewayStore } from '../store/gateway-store.js';

/** What readiness checks. */
export interface HealthRoutesOptions {
  store: GatewayStore;
  agents: AgentRegistry;
  /** Timeout of the database ping (default 3 s). */
  pingTimeoutMs?: number;
  /** The database pool's provider, size and use, shown under `database` (SQL stores). */
  poolStats?: () => DatabasePoolStats | undefined;
}

/**
 * GET /healthz: the process answers. GET /readyz: the database answers a ping and every agent card
 * can be fetched now; otherwise 503 with what failed.
 */
export function createHealthRoutes(options: HealthRoutesOptions): Router {
  const router = Router();
  const pingTimeoutMs = options.pingTimeoutMs ?? 3000;

  router.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });

  router.get('/readyz', async (_request, response) => {
    const [database] = await Promise.all([
      pingWithTimeout(options.store, pingTimeoutMs),
      options.agents.refresh(),
    ]);
    const agents = options.agents.list().map((agent) => ({
      name: agent.name,
      available: agent.available,
      ...(agent.error ? { error: agent.error } : {}),
      // Several replicas: ready while one is up, and each one's state for the operator.
      ...(agent.replicas.length > 1 ? { replicas: agent.replicas } : {}),
    }));
    const ready = database.status === 'ok' && agents.every((agent) => agent.available);
    response.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not-ready',
      database: withPool(database, options.poolStats?.()),
      agents,
    });
  });

  return router;
}

/** Adds the pool's provider and counts to the database part of the report. */
function withPool<T extends object>(
  database: T,
  stats: DatabasePoolStats | undefined,
): T & { provider?: string; pool?: object } {
  if (stats === undefined) return database;
  const { provider, ...pool } = stats;
  return { ...database, provider, pool };
}

async function pingWithTimeout(
  store: GatewayStore,
  timeoutMs: number,
): Promise<{ status: 'ok' | 'error'; persistence: string; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      store.ping(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'ok', persistence: store.persistence };
  } catch (error) {
    return {
      status: 'error',
      persistence: store.persistence,
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    clearTimeout(timer);
  }
}
