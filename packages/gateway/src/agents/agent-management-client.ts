import {
  MeshError,
  agentManagementPaths,
  isMeshError,
  type CompactSessionResponse,
  type ContextUsageResponse,
  type Logger,
} from '@agent-mesh/shared';
import type { AgentCard } from '@a2a-js/sdk';
import type { AgentConnection, AgentRegistry } from './agent-registry.js';

/** Which agent session a management call is about: the gateway session id and its owner. */
export interface AgentSessionTarget {
  agent: string;
  sessionId: string;
  userId: string;
}

/** Timeouts of management calls in milliseconds. */
export interface AgentManagementTimeouts {
  /** A manual compaction runs the summarising model (default 180 s). */
  compactMs?: number;
  /** Reading the context usage (default 5 s). */
  contextUsageMs?: number;
  /** Deleting the agent's side of a chat (default 10 s). */
  deleteMs?: number;
}

/** The extension URI fragment whose params name the management API's path. */
const persistenceExtensionMarker = 'session-persistence';

/**
 * Reads where an agent serves the agent management API from its card (the session-persistence
 * extension's `management` param, e.g. `/mesh/v1`); undefined when the agent does not declare one (an
 * A2A agent that is not agent-mesh).
 */
export function managementPathOf(card: AgentCard): string | undefined {
  const extension = card.capabilities?.extensions?.find((item) =>
    item.uri.includes(persistenceExtensionMarker),
  );
  const value: unknown = extension?.params?.management;
  return typeof value === 'string' && value.startsWith('/') ? value : undefined;
}

/**
 * Calls the agent management API (docs/api.md, "Agent management API") of the agent a chat belongs to:
 * manual compaction, context usage and deleting the agent's side of a chat. The replica is picked like a
 * turn's (the one that served the session last); a replica that cannot be reached is marked down and the
 * next one is asked, since replicas share their database. The agent's bearer token is sent when the
 * gateway YAML has one. Errors the agent reports keep their code (REQUEST_INVALID, SESSION_NOT_FOUND,
 * LLM_CALL_FAILED, CONTEXT_OVERFLOW…); an agent that cannot be reached, refuses the gateway's token or
 * fails without saying why is AGENT_UNAVAILABLE, and one without the API is NOT_IMPLEMENTED.
 */
export class AgentManagementClient {
  private readonly compactMs: number;
  private readonly contextUsageMs: number;
  private readonly deleteMs: number;

  constructor(
    private readonly options: {
      agents: AgentRegistry;
      logger: Logger;
      timeouts?: AgentManagementTimeouts;
    },
  ) {
    this.compactMs = options.timeouts?.compactMs ?? 180_000;
    this.contextUsageMs = options.timeouts?.contextUsageMs ?? 5_000;
    this.deleteMs = options.timeouts?.deleteMs ?? 10_000;
  }

  /** Asks the agent to compact the session (`percentage` overrides its compaction_percentage). */
  async compact(target: AgentSessionTarget, percentage?: number): Promise<CompactSessionResponse> {
    const body = {
      sessionId: target.sessionId,
      userId: target.userId,
      ...(percentage === undefined ? {} : { percentage }),
    };
    const answer = await this.call(target, 'compress the conversation', this.compactMs, {
      method: 'POST',
      path: agentManagementPaths.compact,
      body,
    });
    return answer as CompactSessionResponse;
  }

  /** Reads how full the agent's context is for the session, from the agent's own stored events. */
  async contextUsage(target: AgentSessionTarget): Promise<ContextUsageResponse> {
    const answer = await this.call(target, 'report the context usage', this.contextUsageMs, {
      method: 'GET',
      path: agentManagementPaths.contextUsage,
      query: { sessionId: target.sessionId, userId: target.userId },
    });
    return answer as ContextUsageResponse;
  }

  /**
   * Deletes the agent's side of the chat. Resolves true when the agent deleted it, false when it had
   * nothing stored for it (404).
   */
  async deleteSession(target: AgentSessionTarget): Promise<boolean> {
    try {
      await this.call(target, 'delete its side of the chat', this.deleteMs, {
        method: 'DELETE',
        path: agentManagementPaths.session,
        query: { sessionId: target.sessionId, userId: target.userId },
      });
      return true;
    } catch (error) {
      if (isMeshError(error, 'SESSION_NOT_FOUND')) return false;
      throw error;
    }
  }

  private async call(
    target: AgentSessionTarget,
    purpose: string,
    timeoutMs: number,
    request: {
      method: 'GET' | 'POST' | 'DELETE';
      path: string;
      query?: Record<string, string>;
      body?: unknown;
    },
  ): Promise<unknown> {
    const { agents, logger } = this.options;
    const failed = new Set<string>();
    let lastError: unknown;
    for (;;) {
      let connection: AgentConnection | undefined;
      try {
        connection = await agents.pick(target.agent, {
          sessionId: target.sessionId,
          exclude: failed,
        });
      } catch (error) {
        if (failed.size === 0) throw error;
        lastError = error;
      }
      if (connection === undefined) {
        throw new MeshError(
          'AGENT_UNAVAILABLE',
          `Agent "${target.agent}" could not ${purpose}: no replica answered (${describe(lastError)}). Try again once it is back.`,
          { agent: target.agent },
        );
      }
      const basePath = managementPathOf(connection.card);
      if (basePath === undefined) {
        throw new MeshError(
          'NOT_IMPLEMENTED',
          `Agent "${target.agent}" does not offer the agent-mesh management API (its agent card names no "management" path), so the gateway cannot ${purpose}. Agents run by agent-mesh have it; this one is another A2A agent.`,
          { agent: target.agent },
        );
      }
      const url = new URL(
        `${connection.url.replace(/\/+$/, '')}${basePath.replace(/\/+$/, '')}${request.path}`,
      );
      for (const [key, value] of Object.entries(request.query ?? {})) {
        url.searchParams.set(key, value);
      }
      let response: Response;
      try {
        response = await agents.fetchFor(target.agent, timeoutMs)(url, {
          method: request.method,
          headers:
            request.body === undefined
              ? { Accept: 'application/json' }
              : { Accept: 'application/json', 'Content-Type': 'application/json' },
          ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        });
      } catch (error) {
        if (isTimeout(error)) {
          throw new MeshError(
            'AGENT_UNAVAILABLE',
            `Agent "${target.agent}" did not ${purpose} within ${Math.round(timeoutMs / 1000)} s. Try again in a moment.`,
            { agent: target.agent, timeoutMs },
          );
        }
        // Not reachable: mark the replica down and ask another one (they share the database).
        agents.markUnreachable(target.agent, connection.url, error);
        failed.add(connection.url);
        lastError = error;
        continue;
      }
      agents.noteServed(target.agent, target.sessionId, connection.url);
      const text = await response.text();
      const parsed = parseJson(text);
      if (response.ok) return parsed;
      const error = errorFrom(target.agent, purpose, response.status, parsed, text);
      if (error.code === 'AGENT_UNAVAILABLE' || error.code === 'INTERNAL') {
        logger.warn(
          { agent: target.agent, url: url.pathname, status: response.status, err: error },
          'agent management call failed',
        );
      }
      throw error;
    }
  }
}

/** Rebuilds the agent's error; codes that would mislead the browser become AGENT_UNAVAILABLE. */
function errorFrom(
  agent: string,
  purpose: string,
  status: number,
  parsed: unknown,
  text: string,
): MeshError {
  const wire = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } })
    ?.error;
  const reported = wire ? MeshError.fromJSON(wire) : undefined;
  if (reported === undefined || (reported.code === 'INTERNAL' && wire?.code !== 'INTERNAL')) {
    return new MeshError(
      'AGENT_UNAVAILABLE',
      `Agent "${agent}" could not ${purpose}: it answered HTTP ${status}${text ? ` (${text.slice(0, 200)})` : ''}.`,
      { agent, status },
    );
  }
  if (reported.code === 'UNAUTHENTICATED' || reported.code === 'FORBIDDEN') {
    // The gateway's token, not the user, is wrong: a 401 here would send the browser to sign in.
    return new MeshError(
      'AGENT_UNAVAILABLE',
      `Agent "${agent}" refused the gateway's token, so it could not ${purpose}. Set the agent's token (agent.auth.token) as "token" of "${agent}" in the gateway YAML.`,
      { agent, status },
    );
  }
  if (reported.code === 'INTERNAL') {
    return new MeshError(
      'AGENT_UNAVAILABLE',
      `Agent "${agent}" failed to ${purpose}: ${reported.message} Its log has the details.`,
      { agent, status },
    );
  }
  return new MeshError(reported.code, reported.message, { ...reported.details, agent });
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function describe(error: unknown): string {
  if (error === undefined) return 'no answer';
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
