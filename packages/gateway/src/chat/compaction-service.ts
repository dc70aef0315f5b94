import { randomUUID } from 'node:crypto';
import {
  isMeshError,
  type CompactSessionStatus,
  type CompactionInfo,
  type Logger,
  type SessionBehavior,
} from '@agent-mesh/shared';
import type {
  AgentManagementClient,
  AgentSessionTarget,
} from '../agents/agent-management-client.js';
import type {
  CompactionNote,
  CompactionRecord,
  GatewayStore,
  SessionRecord,
  TaskRecord,
} from '../store/gateway-store.js';

/** What a manual compaction did, with the checkpoint it added to the history (null when none). */
export interface CompactOutcome {
  status: CompactSessionStatus;
  turnsCompacted: number;
  tokensBefore: number;
  tokensAfter: number;
  summary: string | null;
  /** The percentage the agent applied; null when the agent did not run the algorithm. */
  percentage: number | null;
  message?: string;
  checkpoint: CompactionRecord | null;
}

/** The newest compaction of the agent's context, as context usage reports it. */
export interface LastCompactionSummary {
  at: string;
  reason: 'manual' | 'overflow';
  turnsCompacted: number;
  turnsKept?: number;
  tokensBefore: number;
  tokensAfter: number;
}

/**
 * How full the agent's context is for a chat. `source: 'agent'` figures come from the agent's own
 * stored events; `source: 'gateway'` ones are the last the gateway recorded, used when the agent cannot
 * be asked. Null means unknown, never a guess.
 */
export interface SessionContextUsage {
  sessionId: string;
  agent: string;
  source: 'agent' | 'gateway';
  /** Input tokens of the agent's last model call as the provider reported them. */
  inputTokens: number | null;
  /** True when inputTokens is an estimate (after a compaction or a delegated turn). */
  estimated: boolean;
  contextWindow: number | null;
  /** inputTokens against contextWindow in percent, one decimal. */
  percent: number | null;
  compactions: number;
  /** The share of the oldest uncompacted turns a compaction summarises, when the agent says. */
  compactionPercentage?: number;
  model?: string;
  sessionBehavior?: SessionBehavior;
  lastCompaction?: LastCompactionSummary;
  /** A sentence for the user when the figures need explaining (fallback, nothing stored yet…). */
  message?: string;
}

/** What the compaction service needs. */
export interface CompactionServiceOptions {
  store: GatewayStore;
  management: AgentManagementClient;
  logger: Logger;
  now?: () => Date;
}

/** How many recent tasks the gateway looks through for its own last recorded usage. */
const fallbackTaskWindow = 50;

/**
 * The gateway's side of compaction (design §6): asks a chat's agent to compress the conversation and
 * records each compaction — manual, or automatic as reported in a turn's final metadata — as a
 * checkpoint in the gateway history; reads the context usage from the agent, or from what the gateway
 * recorded when the agent cannot be asked. Callers check that the session belongs to the user.
 */
export class CompactionService {
  private readonly now: () => Date;

  constructor(private readonly options: CompactionServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Runs a manual compaction on the session's agent (`percentage` overrides the agent's
   * compaction_percentage) and records a checkpoint when the agent compacted. An agent that holds
   * nothing for the chat gives `nothing-to-compact`; other agent errors are thrown.
   */
  async compact(session: SessionRecord, percentage?: number): Promise<CompactOutcome> {
    let result;
    try {
      result = await this.options.management.compact(targetOf(session), percentage);
    } catch (error) {
      if (!isMeshError(error, 'SESSION_NOT_FOUND')) throw error;
      return {
        status: 'nothing-to-compact',
        turnsCompacted: 0,
        tokensBefore: 0,
        tokensAfter: 0,
        summary: null,
        percentage: null,
        message: `Agent "${session.agent}" holds no conversation for this chat yet, so there is nothing to compress.`,
        checkpoint: null,
      };
    }
    let checkpoint: CompactionRecord | null = null;
    if (result.status !== 'nothing-to-compact' && result.turnsCompacted > 0) {
      const recorded = await this.options.store.createCompaction({
        id: `compaction-${randomUUID()}`,
        sessionId: session.id,
        userId: session.userId,
        agent: session.agent,
        taskId: null,
        reason: 'manual',
        turnsCompacted: result.turnsCompacted,
        tokensBefore: result.tokensBefore,
        tokensAfter: result.tokensAfter,
        summary: result.summary,
        agentSeq: result.compactionSeq,
        details: { percentage: result.percentage },
        createdAt: this.now(),
      });
      checkpoint = recorded.compaction;
    }
    return {
      status: result.status,
      turnsCompacted: result.turnsCompacted,
      tokensBefore: result.tokensBefore,
      tokensAfter: result.tokensAfter,
      summary: result.summary,
      percentage: result.percentage,
      ...(result.message ? { message: result.message } : {}),
      checkpoint,
    };
  }

  /**
   * The session's context usage from its agent; when the agent cannot be asked, the last usage the
   * gateway recorded (`source: 'gateway'`, with a message saying so).
   */
  async contextUsage(session: SessionRecord): Promise<SessionContextUsage> {
    try {
      const usage = await this.options.management.contextUsage(targetOf(session));
      const result: SessionContextUsage = {
        sessionId: session.id,
        agent: session.agent,
        source: 'agent',
        inputTokens: usage.inputTokens,
        estimated: usage.estimated,
        contextWindow: usage.contextWindow,
        percent: usage.percent,
        compactions: usage.compactions,
        model: usage.model,
        sessionBehavior: usage.sessionBehavior,
      };
      if (typeof usage.compactionPercentage === 'number') {
        result.compactionPercentage = usage.compactionPercentage;
      }
      if (usage.lastCompaction) result.lastCompaction = summarize(usage.lastCompaction);
      if (usage.message) result.message = usage.message;
      return result;
    } catch (error) {
      if (isMeshError(error, 'SESSION_NOT_FOUND')) return this.nothingStoredYet(session);
      const reason = error instanceof Error ? error.message : String(error);
      return this.recordedUsage(session, reason);
    }
  }

  /**
   * Records the compaction an agent made during a turn as a checkpoint placed in that turn, with the
   * summary read from the agent (null when it cannot be asked). Called before the turn's final state is
   * written.
   */
  async recordTurnCompaction(task: TaskRecord, note: CompactionNote): Promise<void> {
    let info: CompactionInfo | undefined;
    try {
      const usage = await this.options.management.contextUsage({
        agent: task.agent,
        sessionId: task.sessionId,
        userId: task.userId,
      });
      // The newest compaction is this turn's unless a manual one came in between.
      if (usage.lastCompaction?.reason === 'overflow') info = usage.lastCompaction;
    } catch (error) {
      this.options.logger.warn(
        { err: error, taskId: task.id, agent: task.agent },
        'could not read the summary of a compaction from the agent; the checkpoint is recorded without it',
      );
    }
    await this.options.store.createCompaction({
      id: `compaction-${randomUUID()}`,
      sessionId: task.sessionId,
      userId: task.userId,
      agent: task.agent,
      taskId: task.id,
      reason: 'overflow',
      turnsCompacted: note.turnsCompacted,
      tokensBefore: note.tokensBefore,
      tokensAfter: note.tokensAfter,
      summary: info?.summary ?? null,
      agentSeq: info?.seq ?? null,
      details: info ? { turnsKept: info.turnsKept } : {},
      createdAt: task.createdAt,
    });
  }

  /** The agent answered that it stores nothing for the chat (new chat, or it forgot). */
  private async nothingStoredYet(session: SessionRecord): Promise<SessionContextUsage> {
    const tasks = await this.options.store.listTasks(session.id, { limit: fallbackTaskWindow });
    return {
      sessionId: session.id,
      agent: session.agent,
      source: 'agent',
      inputTokens: null,
      estimated: false,
      contextWindow: contextWindowOf(tasks),
      percent: null,
      compactions: 0,
      message:
        tasks.length === 0
          ? 'No messages yet.'
          : `Agent "${session.agent}" holds no conversation for this chat (it may keep its sessions in memory and have restarted); its context starts empty with the next message.`,
    };
  }

  /** The last usage the gateway recorded for the chat, when the agent cannot be asked. */
  private async recordedUsage(
    session: SessionRecord,
    reason: string,
  ): Promise<SessionContextUsage> {
    const [tasks, compactions] = await Promise.all([
      this.options.store.listTasks(session.id, { limit: fallbackTaskWindow }),
      this.options.store.listCompactions(session.id),
    ]);
    // A delegated turn reports the peer's usage, not this agent's context.
    const ownIndex = tasks.findIndex(
      (task) => task.usage !== null && task.metadata.delegatedTo === undefined,
    );
    const own = ownIndex >= 0 ? tasks[ownIndex] : undefined;
    const delegatedLater = tasks
      .slice(0, Math.max(ownIndex, 0))
      .some((task) => task.metadata.delegatedTo !== undefined);
    const latest = compactions.at(-1);
    let inputTokens: number | null = null;
    let estimated = false;
    if (latest && (own === undefined || latest.createdAt.getTime() > own.createdAt.getTime())) {
      inputTokens = latest.tokensAfter;
      estimated = true;
    } else if (own?.usage) {
      const lastCall = own.metadata.contextInputTokens;
      inputTokens = typeof lastCall === 'number' ? lastCall : own.usage.inputTokens;
      estimated = delegatedLater;
    }
    const contextWindow = contextWindowOf(tasks);
    return {
      sessionId: session.id,
      agent: session.agent,
      source: 'gateway',
      inputTokens,
      estimated,
      contextWindow,
      percent: percentOf(inputTokens, contextWindow),
      compactions: compactions.length,
      message: `${reason} These are the last figures the gateway recorded for this chat.`,
    };
  }
}

function targetOf(session: SessionRecord): AgentSessionTarget {
  return { agent: session.agent, sessionId: session.id, userId: session.userId };
}

function summarize(info: CompactionInfo): LastCompactionSummary {
  return {
    at: info.at,
    reason: info.reason,
    turnsCompacted: info.turnsCompacted,
    turnsKept: info.turnsKept,
    tokensBefore: info.tokensBefore,
    tokensAfter: info.tokensAfter,
  };
}

/** The context window the agent reported with its newest reply that carried one. */
function contextWindowOf(tasks: readonly TaskRecord[]): number | null {
  for (const task of tasks) {
    const window = task.usage?.contextWindow ?? task.metadata.contextWindow;
    if (typeof window === 'number' && window > 0) return window;
  }
  return null;
}

/** inputTokens against the window in percent with one decimal, null when either is unknown. */
export function percentOf(inputTokens: number | null, contextWindow: number | null): number | null {
  if (inputTokens === null || contextWindow === null || contextWindow <= 0) return null;
  return Math.round((inputTokens / contextWindow) * 1000) / 10;
}
