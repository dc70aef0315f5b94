import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentCard } from '@a2a-js/sdk';
import { DefaultRequestHandler, InMemoryTaskStore, type TaskStore } from '@a2a-js/sdk/server';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import {
  MeshError,
  openDatabase,
  type AgentConfig,
  type AgentDatabase,
  type Logger,
} from '@agent-mesh/shared';
import { createAgentCard } from './a2a/agent-card.js';
import { createA2aApp, type ReadinessReport } from './a2a/create-a2a-app.js';
import { GuardedRequestHandler } from './a2a/guarded-request-handler.js';
import { PrismaTaskStore } from './a2a/prisma-task-store.js';
import { RunnerAgentExecutor } from './a2a/runner-agent-executor.js';
import { createLanguageModel, resolveContextWindow } from './models/index.js';
import { A2aPeerDelegate } from './peers/a2a-peer-delegate.js';
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
  /** Seams for context management (compaction); see RunnerHooks. */
  hooks?: RunnerHooks;
}

/** A running agent process's server. */
export interface RunningAgent {
  /** The agent's base URL (JSON-RPC endpoint, card under /.well-known/), with the real port. */
  url: string;
  port: number;
  card: AgentCard;
  /** Stops accepting requests, interrupts running turns (partial replies kept), then closes the database. */
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
      reject(
        new MeshError(
          'CONFIG_INVALID',
          error.code === 'EADDRINUSE'
            ? `Port ${port} on ${host} is already in use; change agent.port (0 picks a free port).`
            : `Cannot listen on ${host}:${port}: ${error.message}`,
          { host, port },
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
function unavailableModel(config: AgentConfig, problem: MeshError): LanguageModelV3 {
  const fail = (): Promise<never> => Promise.reject(problem);
  return {
    specificationVersion: 'v3',
    provider: config.model.provider,
    modelId: config.model.name,
    supportedUrls: {},
    doGenerate: fail,
    doStream: fail,
  };
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
    const sessionService = createSessionService(
      database ? { type: 'sql', database } : { type: 'memory' },
    );

    let model: LanguageModelV3;
    let modelProblem: MeshError | undefined;
    try {
      model = createLanguageModel(config.model);
    } catch (error) {
      modelProblem =
        error instanceof MeshError
          ? error
          : new MeshError('CONFIG_INVALID', (error as Error).message, {}, { cause: error });
      logger.error({ err: modelProblem }, `the model cannot be used: ${modelProblem.message}`);
      model = unavailableModel(config, modelProblem);
    }

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
      contextWindow: resolveContextWindow(config.model),
      sessionService,
      defaultBehavior: sessionConfig.default_behavior,
      maxMessageBytes: config.limits.max_message_bytes,
      peers,
      hooks: options.hooks,
      logger,
    });

    const port = await listen(server, config.host, config.port);
    const url = config.public_url
      ? config.public_url.replace(/\/+$/, '')
      : `http://${cardHost(config.host)}:${port}`;
    const card = createAgentCard(config, url, peers?.peerNames ?? []);
    const taskStore: TaskStore & { flushAll?(): Promise<void> } = database
      ? new PrismaTaskStore(database.client, config.name, { logger })
      : new InMemoryTaskStore();
    const executor = new RunnerAgentExecutor(runner, logger);
    const requestHandler = new GuardedRequestHandler(
      new DefaultRequestHandler(card, taskStore, executor),
      runner,
      config.limits.max_message_bytes,
    );
    const checkReadiness = async (): Promise<ReadinessReport> => {
      const report: ReadinessReport = { ready: true, checks: {} };
      if (database) {
        try {
          await database.ping();
          report.checks.database = { ok: true };
        } catch (error) {
          report.checks.database = { ok: false, message: (error as Error).message };
        }
      } else {
        report.checks.database = {
          ok: true,
          message: 'sessions are kept in memory (type: memory)',
        };
      }
      report.checks.model = modelProblem
        ? { ok: false, message: modelProblem.message }
        : { ok: true, message: `${config.model.provider}/${config.model.name}` };
      report.ready = Object.values(report.checks).every((check) => check.ok);
      return report;
    };
    const app = createA2aApp({
      agentName: config.name,
      requestHandler,
      maxMessageBytes: config.limits.max_message_bytes,
      token: config.auth.token,
      checkReadiness,
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

    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        stopping = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        const running = executor.runningCount;
        if (running > 0) logger.info({ running }, 'interrupting running turns');
        await Promise.race([executor.interruptAll(), delay(closeGraceMs)]);
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
    return { url, port, card, close };
  } catch (error) {
    server.close();
    await database?.close();
    throw error;
  }
}
