import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentCard } from '@a2a-js/sdk';
import { DefaultRequestHandler, InMemoryTaskStore, type TaskStore } from '@a2a-js/sdk/server';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import {
  MeshError,
  openDatabase,
  waitForDrain,
  type AgentConfig,
  type AgentDatabase,
  type Logger,
  type MeshMetrics,
} from '@agent-mesh/shared';
import { createAgentCard } from './a2a/agent-card.js';
import { createA2aApp, type ReadinessReport } from './a2a/create-a2a-app.js';
import { GuardedRequestHandler } from './a2a/guarded-request-handler.js';
import { SqlTaskStore } from './a2a/sql-task-store.js';
import { RunnerAgentExecutor } from './a2a/runner-agent-executor.js';
import { createCompactionHooks } from './compaction/create-compaction-hooks.js';
import { createSessionLock } from './compaction/create-session-lock.js';
import { createManagementRouter } from './management/create-management-router.js';
import { createLanguageModel, resolveContextWindow } from './models/index.js';
import { A2aPeerDelegate } from './peers/a2a-peer-delegate.js';
import { createAgentOperations, defaultShutdownGraceMs } from './operations/agent-operations.js';
import { Runner } from './runner/runner.js';
import type { RunnerHooks } from './runner/runner-types.js';
import { createSessionService } from './sessions/index.js';

/** What startAgent needs. */
export interface StartAgentOptions {
  /** The validated `agent:` section (see loadAgentConfig). */
  config: AgentConfig;
  logger: Logger;
  /** The YAML file the config came from, for log lines. */
  configFile?: string;
  /** URLs of peers listed by bare name, e.g. from a launcher that knows every agent's address. */
  peerUrls?: Readonly<Record<string, string>>;
  /**
   * Seams for context management; default: automatic compaction as `auto_summarization` says (see
   * createCompactionHooks). Given hooks replace it.
   */
  hooks?: RunnerHooks;
}

/** A running agent process's server. */
export interface RunningAgent {
  /** The agent's base URL (JSON-RPC endpoint, card under /.well-known/), with the real port. */
  url: string;
  port: number;
  card: AgentCard;
  /** The process's Prometheus metrics (served at /metrics). */
  metrics: MeshMetrics;
  /**
   * Stops accepting requests (503, /readyz too), lets running turns finish for up to
   * `shutdown_grace_ms`, interrupts the rest (partial replies kept), stops the retention schedule, then
   * closes the database pool.
   */
  close(): Promise<void>;
}

/** How long close() lets running turns store their partial replies and streams flush. */
const closeGraceMs = 5000;

function cardHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const inUse = error.code === 'EADDRINUSE';
      reject(
        new MeshError(
          'CONFIG_INVALID',
          inUse
            ? `Port ${port} on ${host} is already in use; change agent.port (0 picks a free port).`
            : `Cannot listen on ${host}:${port}: ${error.message}`,
          {
            host,
            port,
            // For locateStartupError: the value at fault, and what is wrong with it.
            configPath: inUse ? 'agent.port' : 'agent.host',
            problem: inUse
              ? `${port} is already in use on ${host}; stop the process using it, pick a free port, or 0 for any free port`
              : `cannot be listened on (port ${port}): ${error.message}`,
          },
          { cause: error },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A model that fails every call with the reason the configured one could not be built. */
function unavailableModel(model: AgentConfig['model'], problem: MeshError): LanguageModelV3 {
  const fail = (): Promise<never> => Promise.reject(problem);
  return {
    specificationVersion: 'v3',
    provider: model.provider,
    modelId: model.name,
    supportedUrls: {},
    doGenerate: fail,
    doStream: fail,
  };
}

/**
 * Builds a configured model; one that cannot be built (e.g. a missing API key) is replaced by a model
 * that fails every call with the reason, which /readyz reports.
 */
function buildModel(
  modelConfig: AgentConfig['model'],
  where: string,
  logger: Logger,
): { model: LanguageModelV3; problem: MeshError | undefined } {
  try {
    return { model: createLanguageModel(modelConfig), problem: undefined };
  } catch (error) {
    const problem =
      error instanceof MeshError
        ? error
        : new MeshError('CONFIG_INVALID', (error as Error).message, {}, { cause: error });
    logger.error({ err: problem }, `the ${where} cannot be used: ${problem.message}`);
    return { model: unavailableModel(modelConfig, problem), problem };
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Starts an agent from its validated config: opens (and migrates) its database when sessions are `sql`,
 * builds the model, runner and peers, and serves A2A on host:port (port 0 picks a free one; the card
 * carries the real URL). Throws a MeshError when the database or the port is unavailable; a model that
 * cannot be built (e.g. a missing API key) leaves the agent up but not ready, saying why on /readyz.
 */
export async function startAgent(options: StartAgentOptions): Promise<RunningAgent> {
  const { config, logger } = options;
  const sessionConfig = config.session_service;
  let database: AgentDatabase | undefined;
  if (sessionConfig.type === 'sql') {
    database = await openDatabase({
      url: sessionConfig.database_url,
      schema: 'agent',
      pool: sessionConfig.pool,
      logger,
    });
  }
  const server = createServer();
  try {
    const operations = createAgentOperations({ config, database, logger });
    const sessionService = createSessionService({
      ...(database ? { type: 'sql', database } : { type: 'memory' }),
      observer: operations.sessionObserver,
    });

    const built = buildModel(config.model, 'model', logger);
    const model = built.model;
    const modelProblem = built.problem;
    const summarizerConfig = config.auto_summarization.model;
    const summarizer =
      summarizerConfig === undefined
        ? { model, problem: undefined }
        : buildModel(summarizerConfig, 'auto_summarization.model', logger);
    const contextWindow = resolveContextWindow(config.model);
    // One lock for automatic and manual compaction, shared through the database by every replica.
    const lock = createSessionLock(database ?? null, { logger });
    const compaction = {
      sessions: sessionService,
      lock,
      model: summarizer.model,
      percentage: config.auto_summarization.compaction_percentage,
      instruction: config.instruction,
      logger,
    };

    const peers =
      config.peers.length > 0
        ? new A2aPeerDelegate({
            peers: config.peers,
            ...(options.peerUrls ? { peerUrls: options.peerUrls } : {}),
            selfName: config.name,
            token: config.auth.token,
            logger,
          })
        : undefined;
    const runner = new Runner({
      appName: config.name,
      instruction: config.instruction,
      model,
      modelLabel: {
        provider: config.model.provider,
        name: config.model.name,
        ...(config.model.base_url ? { baseUrl: config.model.base_url } : {}),
      },
      contextWindow,
      sessionService,
      defaultBehavior: sessionConfig.default_behavior,
      maxMessageBytes: config.limits.max_message_bytes,
      peers,
      hooks:
        options.hooks ??
        createCompactionHooks({
          ...compaction,
          enabled: config.auto_summarization.enabled,
          appName: config.name,
          ...(contextWindow === undefined ? {} : { contextWindow }),
        }),
      logger,
    });

    const port = await listen(server, config.host, config.port);
    const url = config.public_url
      ? config.public_url.replace(/\/+$/, '')
      : `http://${cardHost(config.host)}:${port}`;
    const card = createAgentCard(config, url, peers?.peerNames ?? []);
    const sqlTasks = database
      ? new SqlTaskStore(database.driver, config.name, { logger })
      : undefined;
    const taskStore: TaskStore & { flushAll?(): Promise<void> } =
      sqlTasks ?? new InMemoryTaskStore();
    const executor = new RunnerAgentExecutor(runner, logger, operations.turnObserver, sqlTasks);
    const requestHandler = new GuardedRequestHandler(
      new DefaultRequestHandler(card, taskStore, executor),
      runner,
      config.limits.max_message_bytes,
    );
    const checkReadiness = async (): Promise<ReadinessReport> => {
      const report: ReadinessReport = { ready: true, checks: {} };
      report.checks.database = await operations.databaseCheck(
        () => database?.ping() ?? Promise.resolve(),
      );
      report.checks.model = modelProblem
        ? { ok: false, message: modelProblem.message }
        : { ok: true, message: `${config.model.provider}/${config.model.name}` };
      if (summarizerConfig !== undefined) {
        report.checks.summarizer = summarizer.problem
          ? { ok: false, message: summarizer.problem.message }
          : { ok: true, message: `${summarizerConfig.provider}/${summarizerConfig.name}` };
      }
      report.ready = Object.values(report.checks).every((check) => check.ok);
      return report;
    };
    const app = createA2aApp({
      agentName: config.name,
      requestHandler,
      maxMessageBytes: config.limits.max_message_bytes,
      token: config.auth.token,
      checkReadiness,
      management: createManagementRouter({
        ...compaction,
        appName: config.name,
        summarizer: summarizer.model,
        contextWindow: contextWindow ?? null,
        defaultBehavior: sessionConfig.default_behavior,
        modelLabel: `${config.model.provider}/${config.model.name}`,
        token: config.auth.token,
        ...(sqlTasks ? { deleteTasks: (contextId) => sqlTasks.deleteByContext(contextId) } : {}),
      }),
      metrics: operations.metrics,
      logger,
    });
    let stopping = false;
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (!stopping) {
        app(request, response);
        return;
      }
      // Keep-alive connections may still send requests while running turns wind down.
      response.writeHead(503, { 'content-type': 'application/json', connection: 'close' });
      response.end(
        JSON.stringify({
          error: {
            code: 'AGENT_UNAVAILABLE',
            message: `Agent "${config.name}" is shutting down; send the message again once it is back (or to another replica).`,
          },
        }),
      );
    });
    logger.info(
      {
        url,
        port,
        sessions: sessionConfig.type,
        database: database?.url,
        model: `${config.model.provider}/${config.model.name}`,
        configFile: options.configFile,
      },
      `agent "${config.name}" listening on ${url}`,
    );
    const retention = operations.startRetention();

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        stopping = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        const retentionStopped = retention?.stop();
        await waitForDrain({
          running: () => executor.runningCount,
          graceMs: config.shutdown_grace_ms ?? defaultShutdownGraceMs,
          what: 'turns',
          logger,
        });
        const running = executor.runningCount;
        if (running > 0) logger.info({ running }, 'interrupting running turns');
        await Promise.race([executor.interruptAll(), delay(closeGraceMs)]);
        await retentionStopped;
        // Streams end once their final event is written; give them a moment, then cut what is left.
        await Promise.race([closed, delay(running > 0 ? 1000 : 100)]);
        server.closeAllConnections();
        await closed;
        await taskStore.flushAll?.();
        await sessionService.close();
        await database?.close();
        logger.info(`agent "${config.name}" stopped`);
      })();
      return closing;
    };
    return { url, port, card, metrics: operations.metrics, close };
  } catch (error) {
    server.close();
    await database?.close();
    throw error;
  }
}
