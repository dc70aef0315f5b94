import { createRequire } from 'node:module';
import {
  MeshMetrics,
  retentionTimings,
  startRetentionSchedule,
  type AgentConfig,
  type AgentDatabase,
  type Logger,
  type RetentionSchedule,
} from '@agent-mesh/shared';
import type { ReadinessCheck } from '../a2a/create-a2a-app.js';
import type { TurnObserver } from '../a2a/runner-agent-executor.js';
import { AgentSessionAdmin } from '../sessions/agent-session-admin.js';
import type { SessionServiceObserver } from '../sessions/session-service.js';

const require = createRequire(import.meta.url);

/** The agent-runtime package version (reported in `agent_mesh_info`). */
export const agentRuntimeVersion = (require('../../package.json') as { version: string }).version;

/** The default shutdown_grace_ms, for configs built by hand. */
export const defaultShutdownGraceMs = 8000;

/** What an agent's operational parts are built from. */
export interface AgentOperationsOptions {
  config: AgentConfig;
  /** The agent database, when sessions are `sql`. */
  database: AgentDatabase | undefined;
  logger: Logger;
}

/** The operational side of one agent process: metrics, turn logs, readiness details, scheduled retention. */
export interface AgentOperations {
  metrics: MeshMetrics;
  /** Counts compaction events as the session service stores them. */
  sessionObserver: SessionServiceObserver;
  /** Counts and logs turns as the A2A executor runs them. */
  turnObserver: TurnObserver;
  /** The database check of /readyz with the pool's provider, size and use. */
  databaseCheck(ping: () => Promise<void>): Promise<ReadinessCheck>;
  /** Starts the scheduled prune when `retention:` is configured on a SQL database; undefined otherwise. */
  startRetention(): RetentionSchedule | undefined;
}

/**
 * Builds the agent's metrics (Prometheus registry), the observers that feed them and write one JSON log
 * line per turn (taskId, contextId, sessionId, status, duration, tokens), the /readyz database details
 * and the retention schedule — so runtime.ts only wires them in.
 */
export function createAgentOperations(options: AgentOperationsOptions): AgentOperations {
  const { config, database, logger } = options;
  const agent = config.name;
  const metrics = new MeshMetrics({ kind: 'agent', version: agentRuntimeVersion });
  if (database !== undefined) metrics.observePool(() => database.poolStats());

  return {
    metrics,
    sessionObserver: {
      onEventAppended(_key, event) {
        if (event.actions.compaction !== undefined) metrics.compactions.inc({ agent });
      },
    },
    turnObserver: {
      turnStarted(turn) {
        metrics.turnStarted(agent);
        logger.debug(turn, 'turn started');
      },
      turnFinished(turn) {
        metrics.turnFinished(agent, turn.status, turn.durationMs / 1000);
        const usage = turn.usage;
        logger[turn.status === 'failed' || turn.status === 'interrupted' ? 'warn' : 'info'](
          {
            taskId: turn.taskId,
            contextId: turn.contextId,
            sessionId: turn.sessionId,
            status: turn.status,
            durationMs: turn.durationMs,
            ...(usage === undefined
              ? {}
              : { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens }),
          },
          `turn ${turn.status}`,
        );
      },
    },
    async databaseCheck(ping) {
      if (database === undefined) {
        return { ok: true, message: 'sessions are kept in memory (type: memory)' };
      }
      const { provider, ...pool } = database.poolStats();
      const details = { provider, pool };
      try {
        await ping();
        return { ok: true, details };
      } catch (error) {
        return { ok: false, message: (error as Error).message, details };
      }
    },
    startRetention() {
      const retention = config.retention;
      if (retention === undefined) return undefined;
      const service = config.session_service;
      if (database === undefined || service.type !== 'sql') {
        logger.warn(
          'agent.retention is set but sessions are kept in memory (session_service.type: memory): nothing to prune.',
        );
        return undefined;
      }
      const admin = new AgentSessionAdmin(database, agent);
      return startRetentionSchedule({
        ...retentionTimings(retention),
        prune: (cutoff, signal) => admin.pruneSessions({ olderThan: cutoff, signal }),
        lock: {
          target: { url: service.database_url, pool: service.pool, logger },
          name: `retention:agent:${agent}`,
        },
        logger,
        metrics,
      });
    },
  };
}
