import {
  retryOnTransientConflict,
  isUniqueConstraintError,
  type ChatTask,
  type GatewayDatabase,
  type GatewayPrismaClient,
} from '@agent-mesh/shared';
import { randomUUID } from 'node:crypto';
import { isTaskStreamEvent } from '../streaming/task-stream-event.js';
import type {
  CompactionReason,
  CompactionRecord,
  FeedbackRecord,
  GatewayStore,
  NewTask,
  SequencedTaskEvent,
  SessionCursor,
  SessionRecord,
  TaskCursor,
  TaskProgress,
  TaskRecord,
  TaskStatus,
  TaskUsage,
  WebSessionRecord,
} from './gateway-store.js';
import {
  maxTransactionAttempts,
  SqlTurnStatements,
  transactionBackoffMs,
} from './sql-turn-statements.js';

type TransactionClient = Parameters<Parameters<GatewayPrismaClient['$transaction']>[0]>[0];

/**
 * Keeps sessions, history, stream events, feedback, express-session records and settings in the gateway
 * database (`session_service.type: sql`), so history and sign-ins survive restarts and are shared by
 * every gateway instance on the same database. Works the same on SQLite, PostgreSQL and MySQL/MariaDB.
 */
export class SqlGatewayStore implements GatewayStore {
  readonly persistence = 'sql' as const;
  private readonly client: GatewayPrismaClient;
  /** What every chat turn runs, on the driver (Prisma's per-statement cost dominated a turn). */
  private readonly turns: SqlTurnStatements;

  /** `database`: the open gateway database; also read for pool details (/readyz, /metrics). */
  constructor(readonly database: GatewayDatabase) {
    this.client = database.client;
    this.turns = new SqlTurnStatements(database.driver);
  }

  async createSession(session: Omit<SessionRecord, 'lastViewedAt'>): Promise<SessionRecord> {
    await this.turns.insertSession(session);
    return toSession({ ...session, lastViewedAt: null });
  }

  async getSession(id: string, userId: string): Promise<SessionRecord | null> {
    if (!isStorableId(id)) return null;
    const row = await this.turns.getSession(id, userId);
    return row ? toSession(row) : null;
  }

  async listSessions(
    userId: string,
    options: { limit: number; after?: SessionCursor },
  ): Promise<SessionRecord[]> {
    const after = options.after;
    const rows = await this.client.chatSession.findMany({
      where: after
        ? {
            userId,
            OR: [
              { updatedAt: { lt: after.updatedAt } },
              { updatedAt: after.updatedAt, id: { lt: after.id } },
            ],
          }
        : { userId },
      orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
      take: options.limit,
    });
    return rows.map(toSession);
  }

  async updateSession(
    id: string,
    userId: string,
    patch: { name?: string; updatedAt?: Date; lastViewedAt?: Date },
  ): Promise<SessionRecord | null> {
    if (!isStorableId(id) || !(await this.turns.updateSession(id, userId, patch))) return null;
    return this.getSession(id, userId);
  }

  async deleteSession(id: string, userId: string): Promise<boolean> {
    // Explicit deletes rather than relying on ON DELETE CASCADE, which SQLite only honours when the
    // connection enabled foreign keys.
    return this.transaction(async (tx) => {
      const session = await tx.chatSession.findFirst({
        where: { id, userId },
        select: { id: true },
      });
      if (!session) return false;
      await tx.feedback.deleteMany({ where: { sessionId: id } });
      await tx.sessionCompaction.deleteMany({ where: { sessionId: id } });
      await tx.taskEvent.deleteMany({ where: { task: { sessionId: id } } });
      await tx.chatTask.deleteMany({ where: { sessionId: id } });
      await tx.chatSession.deleteMany({ where: { id } });
      return true;
    });
  }

  /**
   * Runs a transaction, retrying it when the database aborted it for a deadlock or a lock timeout with
   * concurrent work (e.g. `sessions prune` deleting old rows): the aborted attempt left nothing behind.
   */
  private transaction<T>(work: (tx: TransactionClient) => Promise<T>): Promise<T> {
    return retryOnTransientConflict(
      () => this.client.$transaction(work),
      maxTransactionAttempts,
      transactionBackoffMs,
    );
  }

  async createTask(input: NewTask): Promise<{ task: TaskRecord; created: boolean }> {
    if (input.clientMessageId !== null) {
      const existing = await this.findByClientMessageId(input.sessionId, input.clientMessageId);
      if (existing) return { task: existing, created: false };
    }
    try {
      return { task: toTask(await this.turns.insertTask(input)), created: true };
    } catch (error) {
      // Two requests with the same clientMessageId raced: the unique index let one through.
      if (input.clientMessageId !== null && isUniqueConstraintError(error)) {
        const existing = await this.findByClientMessageId(input.sessionId, input.clientMessageId);
        if (existing) return { task: existing, created: false };
      }
      throw error;
    }
  }

  async getTask(id: string, userId: string): Promise<TaskRecord | null> {
    if (!isStorableId(id)) return null;
    const row = await this.turns.getTask(id, userId);
    return row ? toTask(row) : null;
  }

  async listTasks(
    sessionId: string,
    options: { limit: number; before?: TaskCursor },
  ): Promise<TaskRecord[]> {
    const before = options.before;
    const rows = await this.client.chatTask.findMany({
      where: before
        ? {
            sessionId,
            OR: [
              { createdAt: { lt: before.createdAt } },
              { createdAt: before.createdAt, id: { lt: before.id } },
            ],
          }
        : { sessionId },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: options.limit,
    });
    return rows.map(toTask);
  }

  async listRunningTasks(): Promise<TaskRecord[]> {
    const rows = await this.client.chatTask.findMany({
      where: { status: 'running' },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toTask);
  }

  saveTaskProgress(taskId: string, progress: TaskProgress): Promise<boolean> {
    return this.turns.saveTaskProgress(taskId, progress);
  }

  async listTaskEvents(taskId: string, afterSeq: number): Promise<SequencedTaskEvent[]> {
    const rows = await this.turns.listTaskEvents(taskId, afterSeq);
    const events: SequencedTaskEvent[] = [];
    for (const row of rows) {
      const event: unknown = JSON.parse(row.data);
      if (isTaskStreamEvent(event)) events.push({ seq: row.seq, event });
    }
    return events;
  }

  async getLastEventSeqs(taskIds: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    if (taskIds.length === 0) return result;
    const rows = await this.client.chatTask.findMany({
      where: { id: { in: [...taskIds] } },
      select: { id: true, lastEventSeq: true },
    });
    for (const row of rows) result.set(row.id, row.lastEventSeq);
    return result;
  }

  async createCompaction(
    compaction: CompactionRecord,
  ): Promise<{ compaction: CompactionRecord; created: boolean }> {
    const findSame = async (): Promise<CompactionRecord | null> => {
      if (compaction.agentSeq === null) return null;
      const row = await this.client.sessionCompaction.findFirst({
        where: { sessionId: compaction.sessionId, agentSeq: compaction.agentSeq },
      });
      return row ? toCompaction(row) : null;
    };
    const existing = await findSame();
    if (existing) return { compaction: existing, created: false };
    try {
      const row = await this.client.sessionCompaction.create({
        data: {
          id: compaction.id,
          sessionId: compaction.sessionId,
          userId: compaction.userId,
          agent: compaction.agent,
          taskId: compaction.taskId,
          reason: compaction.reason,
          turnsCompacted: compaction.turnsCompacted,
          tokensBefore: compaction.tokensBefore,
          tokensAfter: compaction.tokensAfter,
          summary: compaction.summary,
          agentSeq: compaction.agentSeq,
          details: JSON.stringify(compaction.details),
          createdAt: compaction.createdAt,
        },
      });
      return { compaction: toCompaction(row), created: true };
    } catch (error) {
      // Two gateways recorded the same agent compaction at once: the unique index let one through.
      if (isUniqueConstraintError(error)) {
        const raced = await findSame();
        if (raced) return { compaction: raced, created: false };
      }
      throw error;
    }
  }

  async listCompactions(
    sessionId: string,
    range: { from?: Date; before?: Date } = {},
  ): Promise<CompactionRecord[]> {
    const createdAt = {
      ...(range.from ? { gte: range.from } : {}),
      ...(range.before ? { lt: range.before } : {}),
    };
    const rows = await this.client.sessionCompaction.findMany({
      where: { sessionId, ...(Object.keys(createdAt).length > 0 ? { createdAt } : {}) },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toCompaction);
  }

  async saveFeedback(
    feedback: FeedbackRecord & { sessionId: string; now: Date },
  ): Promise<FeedbackRecord> {
    const row = await this.client.feedback.upsert({
      where: { taskId_userId: { taskId: feedback.taskId, userId: feedback.userId } },
      create: {
        id: `feedback-${randomUUID()}`,
        taskId: feedback.taskId,
        sessionId: feedback.sessionId,
        userId: feedback.userId,
        rating: feedback.rating,
        comment: feedback.comment,
        createdAt: feedback.now,
        updatedAt: feedback.now,
      },
      update: { rating: feedback.rating, comment: feedback.comment, updatedAt: feedback.now },
    });
    return {
      taskId: row.taskId,
      userId: row.userId,
      rating: toRating(row.rating),
      comment: row.comment,
    };
  }

  async listFeedback(userId: string, taskIds: string[]): Promise<Map<string, FeedbackRecord>> {
    const result = new Map<string, FeedbackRecord>();
    if (taskIds.length === 0) return result;
    const rows = await this.client.feedback.findMany({
      where: { userId, taskId: { in: taskIds } },
    });
    for (const row of rows) {
      result.set(row.taskId, {
        taskId: row.taskId,
        userId: row.userId,
        rating: toRating(row.rating),
        comment: row.comment,
      });
    }
    return result;
  }

  async getSetting(key: string): Promise<string | null> {
    const row = await this.client.gatewaySetting.findUnique({ where: { key } });
    return row ? row.value : null;
  }

  async setSettingIfAbsent(key: string, value: string): Promise<string> {
    try {
      await this.client.gatewaySetting.create({ data: { key, value } });
      return value;
    } catch (error) {
      if (!isUniqueConstraintError(error)) throw error;
      const stored = await this.getSetting(key);
      if (stored === null) throw error;
      return stored;
    }
  }

  async getWebSession(sid: string, now: Date): Promise<WebSessionRecord | null> {
    const row = await this.turns.getWebSession(sid);
    if (!row || row.expiresAt.getTime() <= now.getTime()) return null;
    return row;
  }

  async setWebSession(sid: string, record: WebSessionRecord): Promise<void> {
    await this.turns.upsertWebSession(sid, record);
  }

  async touchWebSession(sid: string, expiresAt: Date): Promise<void> {
    await this.turns.touchWebSession(sid, expiresAt);
  }

  async destroyWebSession(sid: string): Promise<void> {
    await this.client.webSession.deleteMany({ where: { sid } });
  }

  async pruneWebSessions(now: Date): Promise<number> {
    const result = await this.client.webSession.deleteMany({ where: { expiresAt: { lte: now } } });
    return result.count;
  }

  async ping(): Promise<void> {
    await this.database.ping();
  }

  async close(): Promise<void> {
    await this.database.close();
  }

  private async findByClientMessageId(
    sessionId: string,
    clientMessageId: string,
  ): Promise<TaskRecord | null> {
    const row = await this.turns.findTaskByClientMessageId(sessionId, clientMessageId);
    return row ? toTask(row) : null;
  }
}

/**
 * Ids come from URLs and WebSocket messages. One with a NUL character cannot exist (and PostgreSQL
 * rejects it in a query), so it is simply not found; every other reading and writing method is reached
 * only after getSession or getTask found the record.
 */
function isStorableId(id: string): boolean {
  return !id.includes('\0');
}

function toSession(row: SessionRecord): SessionRecord {
  return {
    id: row.id,
    userId: row.userId,
    name: row.name,
    agent: row.agent,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastViewedAt: row.lastViewedAt,
  };
}

function toTask(row: ChatTask): TaskRecord {
  return {
    id: row.id,
    sessionId: row.sessionId,
    userId: row.userId,
    agent: row.agent,
    clientMessageId: row.clientMessageId,
    userMessage: row.userMessage,
    responseText: row.responseText,
    status: toStatus(row.status),
    usage: row.usage ? (parseObject(row.usage) as TaskUsage | null) : null,
    metadata: (row.metadata ? parseObject(row.metadata) : null) ?? {},
    error: row.error,
    lastEventSeq: row.lastEventSeq,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    completedAt: row.completedAt,
  };
}

function toCompaction(row: {
  id: string;
  sessionId: string;
  userId: string;
  agent: string;
  taskId: string | null;
  reason: string;
  turnsCompacted: number;
  tokensBefore: number;
  tokensAfter: number;
  summary: string | null;
  agentSeq: number | null;
  details: string | null;
  createdAt: Date;
}): CompactionRecord {
  const reason: CompactionReason = row.reason === 'manual' ? 'manual' : 'overflow';
  return {
    id: row.id,
    sessionId: row.sessionId,
    userId: row.userId,
    agent: row.agent,
    taskId: row.taskId,
    reason,
    turnsCompacted: row.turnsCompacted,
    tokensBefore: row.tokensBefore,
    tokensAfter: row.tokensAfter,
    summary: row.summary,
    agentSeq: row.agentSeq,
    details: (row.details ? parseObject(row.details) : null) ?? {},
    createdAt: row.createdAt,
  };
}

const taskStatuses: readonly TaskStatus[] = [
  'running',
  'completed',
  'interrupted',
  'failed',
  'canceled',
];

function toStatus(value: string): TaskStatus {
  return (taskStatuses as readonly string[]).includes(value) ? (value as TaskStatus) : 'failed';
}

function toRating(value: string): 'up' | 'down' {
  return value === 'down' ? 'down' : 'up';
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
