import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import {
  MeshError,
  openDatabase,
  waitForDrain,
  type GatewayConfig,
  type Logger,
  type MeshMetrics,
} from '@agent-mesh/shared';
import { AgentManagementClient } from './agents/agent-management-client.js';
import { AgentRegistry } from './agents/agent-registry.js';
import { createApp } from './app.js';
import { CompactionService } from './chat/compaction-service.js';
import { GatewayOperations, defaultShutdownGraceMs } from './operations/gateway-operations.js';
import { createIdentity } from './http/identity.js';
import { createGatewayOriginCheck } from './http/origin-check.js';
import { createSessionMiddleware } from './http/session-middleware.js';
import { WebSessionStore } from './http/web-session-store.js';
import type { GatewayStore } from './store/gateway-store.js';
import { MemoryGatewayStore } from './store/memory-gateway-store.js';
import { resolveSessionSecret } from './store/resolve-session-secret.js';
import { SqlGatewayStore } from './store/sql-gateway-store.js';
import { recoverInterruptedTasks } from './streaming/recover-interrupted-tasks.js';
import { startLiveUpdates, type LiveUpdates } from './streaming/start-live-updates.js';
import { TaskEventFeed } from './streaming/task-event-feed.js';
import { TaskRunner, type TaskRunnerOptions } from './streaming/task-runner.js';
import { attachTaskWebSocket } from './streaming/task-websocket.js';

/** How to start a gateway; everything but `config` and `logger` has a production default. */
export interface StartGatewayOptions {
  config: GatewayConfig;
  logger: Logger;
  /** Names this instance to agents and in task metadata (default AGENT_MESH_GATEWAY_ID or host:port). */
  gatewayId?: string;
  /** Folder of the built web UI (default packages/gateway/web/dist). */
  webRoot?: string;
  /** Use this store instead of opening the configured one (tests). */
  store?: GatewayStore;
  /** Agent card refresh interval (default 30 s). */
  agentRefreshIntervalMs?: number;
  /** How often replicas marked down are probed again (default 5 s). */
  agentProbeIntervalMs?: number;
  /**
   * How often running replies of other (possibly dead) gateway instances are checked and, when they
   * made no progress for two minutes, closed as interrupted (default 60 s; 0 disables).
   */
  orphanCheckIntervalMs?: number;
  /** Runner tuning (tests). */
  runner?: Partial<
    Pick<TaskRunnerOptions, 'recorder' | 'streamIdleTimeoutMs' | 'heartbeatIntervalMs'>
  >;
}

/** A started gateway. */
export interface RunningGateway {
  /** The URL it listens at, e.g. http://127.0.0.1:8000. */
  url: string;
  port: number;
  server: Server;
  store: GatewayStore;
  agents: AgentRegistry;
  runner: TaskRunner;
  /** The process's Prometheus metrics (served at /metrics). */
  metrics: MeshMetrics;
  /**
   * Stops accepting connections, answers /readyz with 503 and refuses new writes, lets running replies
   * finish for up to `shutdown_grace_ms`, records the rest as interrupted, stops the retention schedule,
   * closes connections and the database. Safe to call twice.
   */
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** The gateway package version (reported by /api/v1/config). */
export const gatewayVersion = (require('../package.json') as { version: string }).version;

/** The built web UI next to this package's sources (works from src/ and dist/). */
export const defaultWebRoot = fileURLToPath(new URL('../web/dist', import.meta.url));

/**
 * Starts the gateway process's parts and wires them: the store (gateway database or memory), the session
 * secret, agent registry, reply runner, recovery of replies cut off by a previous crash, the Express app
 * and the WebSocket endpoint on one HTTP server.
 */
export async function startGatewayServer(options: StartGatewayOptions): Promise<RunningGateway> {
  const { config, logger } = options;
  const identity = createIdentity(config.auth);
  const originCheck = createGatewayOriginCheck(config);
  const store = options.store ?? (await openStore(config, logger));
  const gatewayId =
    options.gatewayId ?? process.env.AGENT_MESH_GATEWAY_ID ?? defaultGatewayId(config);
  let liveUpdates: LiveUpdates | undefined;
  let orphanCheck: NodeJS.Timeout | undefined;
  const operations = new GatewayOperations({
    config,
    database: store instanceof SqlGatewayStore ? store.database : undefined,
    logger,
    version: gatewayVersion,
  });
  try {
    const secret = await resolveSessionSecret({
      configured: config.session_secret_key,
      store,
      logger,
    });
    const webSessions = new WebSessionStore(store, { logger });
    const session = createSessionMiddleware({ store: webSessions, secret });
    const feed = new TaskEventFeed();
    const agents = new AgentRegistry({
      agents: config.agents,
      gatewayPersistence: store.persistence,
      logger,
      ...(options.agentRefreshIntervalMs
        ? { refreshIntervalMs: options.agentRefreshIntervalMs }
        : {}),
      ...(options.agentProbeIntervalMs ? { probeIntervalMs: options.agentProbeIntervalMs } : {}),
    });
    const compactions = new CompactionService({
      store,
      management: new AgentManagementClient({ agents, logger }),
      logger,
    });
    const runner = new TaskRunner({
      store,
      feed,
      agents,
      logger,
      gatewayId,
      observer: operations.taskObserver,
      onTurnCompacted: (task, note) => compactions.recordTurnCompaction(task, note),
      ...options.runner,
    });
    liveUpdates = await startLiveUpdates({
      config: config.live_updates,
      sessionService: config.session_service,
      store,
      feed,
      logger,
      isRunningHere: (taskId) => runner.isRunning(taskId),
    });
    await recoverInterruptedTasks({
      store,
      feed,
      logger,
      gatewayId,
      isRunningHere: (taskId) => runner.isRunning(taskId),
    });
    await agents.start();
    // Another instance that died leaves its replies running in the shared database: close them here
    // once they made no progress for two minutes (live replies are touched every 30 s).
    const orphanCheckIntervalMs = options.orphanCheckIntervalMs ?? 60_000;
    orphanCheck =
      store.persistence === 'sql' && orphanCheckIntervalMs > 0
        ? setInterval(() => {
            recoverInterruptedTasks({
              store,
              feed,
              logger,
              gatewayId,
              isRunningHere: (taskId) => runner.isRunning(taskId),
              othersOnly: true,
            }).catch((error: unknown) =>
              logger.warn({ err: error }, 'could not check for cut-off replies'),
            );
          }, orphanCheckIntervalMs)
        : undefined;
    orphanCheck?.unref();
    if (store.persistence === 'memory') {
      logger.warn(
        'gateway.session_service.type is memory: chat history and browser sessions are lost when the gateway restarts.',
      );
    }

    const app = createApp({
      config,
      store,
      agents,
      compactions,
      runner,
      feed,
      session,
      identity,
      originCheck,
      logger,
      gatewayId,
      version: gatewayVersion,
      webRoot: options.webRoot ?? defaultWebRoot,
      operations,
    });
    const server = createServer(app);
    const webSocket = attachTaskWebSocket(server, {
      store,
      feed,
      session,
      identity,
      logger,
      originCheck,
    });
    operations.metrics.observeGauge(
      'agent_mesh_websocket_connections',
      'Open WebSocket connections of browsers following replies.',
      () => webSocket.connectionCount,
    );
    await listen(server, config.port, config.host);
    const port = (server.address() as AddressInfo).port;
    const url = config.public_url || `http://${urlHost(config.host)}:${port}`;
    logger.info({ url, gatewayId, persistence: store.persistence }, `gateway listening on ${url}`);
    const retention = operations.startRetention();

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        operations.startDraining();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        if (orphanCheck) clearInterval(orphanCheck);
        const retentionStopped = retention?.stop();
        // Browsers stay connected while running replies finish, so they see them end.
        await waitForDrain({
          running: () => runner.runningCount,
          graceMs: config.shutdown_grace_ms ?? defaultShutdownGraceMs,
          what: 'replies',
          logger,
        });
        await webSocket.close();
        await runner.shutdown();
        await retentionStopped;
        await liveUpdates?.close();
        agents.stop();
        webSessions.close();
        server.closeAllConnections();
        await stopped;
        await store.close();
        logger.info('gateway stopped');
      })();
      return closing;
    };
    return { url, port, server, store, agents, runner, metrics: operations.metrics, close };
  } catch (error) {
    if (orphanCheck) clearInterval(orphanCheck);
    await liveUpdates?.close().catch(() => undefined);
    if (!options.store) await store.close().catch(() => undefined);
    throw error;
  }
}

async function openStore(config: GatewayConfig, logger: Logger): Promise<GatewayStore> {
  const service = config.session_service;
  if (service.type === 'memory') return new MemoryGatewayStore();
  const database = await openDatabase({
    url: service.database_url,
    schema: 'gateway',
    pool: service.pool,
    logger,
  });
  return new SqlGatewayStore(database);
}

/**
 * Names this instance in task metadata: host and configured port, stable across restarts so a restarted
 * instance recognises its own cut-off replies. Instances sharing a host and port setting (port 0) must
 * set AGENT_MESH_GATEWAY_ID to tell themselves apart.
 */
function defaultGatewayId(config: GatewayConfig): string {
  return `${hostname()}:${config.port}`;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') {
        const inUse = error.code === 'EADDRINUSE';
        reject(
          new MeshError(
            'CONFIG_INVALID',
            `The gateway cannot listen on ${host}:${port} (${inUse ? 'the port is in use' : 'permission denied'}). Set gateway.port (or PORT) to a free port.`,
            {
              host,
              port,
              // For locateStartupError: the value at fault, and what is wrong with it.
              configPath: 'gateway.port',
              problem: inUse
                ? `${port} is already in use on ${host}; stop the process using it, pick a free port, or 0 for any free port`
                : `${port} cannot be listened on by this user (permission denied); pick a port above 1023`,
            },
            { cause: error },
          ),
        );
      } else {
        reject(error);
      }
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
