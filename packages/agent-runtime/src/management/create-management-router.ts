import express, { type ErrorRequestHandler, type Response, type Router } from 'express';
import {
  MeshError,
  agentManagementBasePath,
  agentManagementPaths,
  isMeshError,
  type ContextUsageResponse,
  type Logger,
  type MeshErrorCode,
  type SessionBehavior,
} from '@agent-mesh/shared';
import type { LanguageModel } from 'ai';
import { bearerTokenMatches } from '../a2a/bearer-token.js';
import type { SessionLock } from '../compaction/session-lock.js';
import type { SessionKey, SessionService } from '../sessions/session-service.js';
import { compactOnRequest } from './compact-on-request.js';
import {
  parseCompactRequest,
  parseSessionQuery,
  type SessionTarget,
} from './parse-management-request.js';
import { readContextUsage } from './read-context-usage.js';

/** What the management API is built from: the agent's sessions, compaction settings and token. */
export interface ManagementRouterOptions {
  /** The agent name: the app_name of its sessions. */
  appName: string;
  sessions: SessionService;
  /** The lock the agent's turns compact under. */
  lock: SessionLock;
  /** The summarising model: `auto_summarization.model`, else the agent's model. */
  summarizer: LanguageModel;
  /** `auto_summarization.compaction_percentage`. */
  percentage: number;
  instruction: string;
  /** The agent model's context window (resolveContextWindow), null when unknown. */
  contextWindow: number | null;
  /** `session_service.default_behavior`. */
  defaultBehavior: SessionBehavior;
  /** `provider/name` of the agent's model. */
  modelLabel: string;
  /** agent.auth.token; empty = open, as for A2A. */
  token: string;
  /** Removes the stored A2A tasks of a context (SQL task store); absent when tasks live in memory. */
  deleteTasks?(contextId: string): Promise<number>;
  logger: Logger;
}

/** HTTP statuses of the errors this API raises; any other code is a 500. */
const statusByCode: Partial<Record<MeshErrorCode, number>> = {
  REQUEST_INVALID: 400,
  UNAUTHENTICATED: 401,
  SESSION_NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  CONTEXT_OVERFLOW: 422,
  LLM_CALL_FAILED: 502,
  AGENT_UNAVAILABLE: 503,
  DATABASE_UNAVAILABLE: 503,
};

/** A management request is small: ids and a number. */
const bodyLimit = 64 * 1024;

function sendError(response: Response, error: MeshError): void {
  response.status(statusByCode[error.code] ?? 500).json({ error: error.toJSON() });
}

/**
 * Builds the agent management API (docs/api.md, "Agent management API"), to mount at /mesh/v1:
 * `POST /sessions/compact` (manual compaction with the agent's percentage or the request's),
 * `GET /sessions/context-usage` (from the agent's own events, so it is right after a gateway restart
 * and after compaction) and `DELETE /sessions` (the agent's side of a chat the user deleted). JSON in
 * and out, errors as `{ error: { code, message, details } }`, behind the A2A bearer token when one is set.
 * Session ids are the gateway's (the A2A contextId), mapped like a turn's: PERSISTENT sessions only,
 * since RUN_BASED ones live for one run.
 */
export function createManagementRouter(options: ManagementRouterOptions): Router {
  const { appName, sessions, logger } = options;
  const router = express.Router();

  router.use((request, response, next) => {
    if (
      options.token === '' ||
      bearerTokenMatches(request.header('authorization'), options.token)
    ) {
      next();
      return;
    }
    response.setHeader('WWW-Authenticate', 'Bearer');
    sendError(
      response,
      new MeshError(
        'UNAUTHENTICATED',
        `The management API of agent "${appName}" needs "Authorization: Bearer <token>" with its agent.auth.token.`,
      ),
    );
  });
  router.use(express.json({ limit: bodyLimit, strict: false }));

  const keyOf = (target: SessionTarget): SessionKey => ({
    appName,
    userId: target.userId,
    sessionId: target.sessionId,
  });
  const behaviorOf = (target: SessionTarget): SessionBehavior =>
    target.sessionBehavior ?? options.defaultBehavior;

  router.post(agentManagementPaths.compact, async (request, response) => {
    const target = parseCompactRequest(request.body);
    if (behaviorOf(target) === 'RUN_BASED') throw runBasedCannotCompact(appName, target);
    const result = await compactOnRequest({
      sessions,
      key: keyOf(target),
      model: options.summarizer,
      percentage: target.percentage ?? options.percentage,
      lock: options.lock,
      instruction: options.instruction,
      logger,
    });
    response.json(result);
  });

  router.get(agentManagementPaths.contextUsage, async (request, response) => {
    const target = parseSessionQuery(request.query);
    const behavior = behaviorOf(target);
    const base = {
      sessionId: target.sessionId,
      userId: target.userId,
      sessionBehavior: behavior,
      model: options.modelLabel,
      contextWindow: options.contextWindow,
      compactionPercentage: options.percentage,
    };
    if (behavior === 'RUN_BASED') {
      const body: ContextUsageResponse = {
        ...base,
        inputTokens: null,
        estimated: false,
        percent: null,
        compactions: 0,
        message:
          `Agent "${appName}" keeps RUN_BASED sessions: each run starts from an empty context that is ` +
          'removed when the run ends, so there is no conversation context to measure.',
      };
      response.json(body);
      return;
    }
    const usage = await readContextUsage({
      sessions,
      key: keyOf(target),
      instruction: options.instruction,
      contextWindow: options.contextWindow,
    });
    if (usage === null) throw sessionNotFound(appName, target);
    const body: ContextUsageResponse = { ...base, ...usage };
    response.json(body);
  });

  router.delete(agentManagementPaths.session, async (request, response) => {
    const target = parseSessionQuery(request.query);
    const deleted = await sessions.deleteSession(keyOf(target));
    const tasks = (await options.deleteTasks?.(target.sessionId)) ?? 0;
    if (!deleted && tasks === 0) throw sessionNotFound(appName, target);
    logger.info(
      { sessionId: target.sessionId, userId: target.userId, session: deleted, tasks },
      'deleted the agent side of a session',
    );
    response.status(204).end();
  });

  router.use((request, response) => {
    sendError(
      response,
      new MeshError(
        'REQUEST_INVALID',
        `No management route for ${request.method} ${agentManagementBasePath}${request.path}. Routes: ` +
          `POST ${agentManagementBasePath}${agentManagementPaths.compact}, ` +
          `GET ${agentManagementBasePath}${agentManagementPaths.contextUsage}, ` +
          `DELETE ${agentManagementBasePath}${agentManagementPaths.session}.`,
        { method: request.method, path: request.path },
      ),
    );
  });

  const handleError: ErrorRequestHandler = (error: unknown, request, response, _next) => {
    if (response.headersSent) {
      response.end();
      return;
    }
    sendError(response, toMeshError(error, request.path, logger));
  };
  router.use(handleError);
  return router;
}

/** Maps what a handler threw (or body parsing raised) to the MeshError the client gets. */
function toMeshError(error: unknown, path: string, logger: Logger): MeshError {
  if (isMeshError(error)) {
    if ((statusByCode[error.code] ?? 500) >= 500) {
      logger.error({ err: error, path }, 'management request failed');
    }
    return error;
  }
  const type = (error as { type?: string }).type;
  if (type === 'entity.parse.failed') {
    return new MeshError(
      'REQUEST_INVALID',
      `The request body is not valid JSON: ${(error as Error).message}`,
      { field: 'body' },
    );
  }
  if (type === 'entity.too.large') {
    return new MeshError(
      'PAYLOAD_TOO_LARGE',
      `The request body is larger than ${bodyLimit} bytes; management requests carry only ids and a number.`,
      { limit: bodyLimit },
    );
  }
  logger.error({ err: error, path }, 'management request failed');
  return new MeshError('INTERNAL', 'The agent could not handle this management request.');
}

function sessionNotFound(appName: string, target: SessionTarget): MeshError {
  return new MeshError(
    'SESSION_NOT_FOUND',
    `Agent "${appName}" has no session "${target.sessionId}" for user "${target.userId}".`,
    { sessionId: target.sessionId, userId: target.userId },
  );
}

function runBasedCannotCompact(appName: string, target: SessionTarget): MeshError {
  return new MeshError(
    'REQUEST_INVALID',
    `Agent "${appName}" keeps RUN_BASED sessions: each run gets a fresh session that is deleted when the ` +
      'run ends, so there is no conversation to compact. Manual compaction works for PERSISTENT sessions ' +
      '(session_service.default_behavior: PERSISTENT, or sessionBehavior: PERSISTENT in the request).',
    { sessionId: target.sessionId, sessionBehavior: 'RUN_BASED' },
  );
}
