import {
  MeshError,
  createSqlTemplate,
  checkPruneBatchSize,
  defaultPruneBatchSize,
  retryOnTransientConflict,
  trustedSql,
  type BoundStatement,
  type DatabaseProvider,
  type SqlTemplate,
  type GatewayDatabase,
  type GatewayPrismaClient,
  type PruneOptions,
  type PruneResult,
} from '@agent-mesh/shared';

/** Raw SQL on the client or inside an interactive transaction. */
type RawRunner = Pick<GatewayPrismaClient, '$queryRawUnsafe' | '$executeRawUnsafe'>;

/** A session in an operator listing: who owns it, which agent, how many exchanges, when last active. */
export interface GatewaySessionListing {
  id: string;
  userId: string;
  name: string;
  agent: string;
  createdAt: Date;
  updatedAt: Date;
  /** Exchanges (tasks): each is a user message and the agent's reply. */
  tasks: number;
}

/** One exchange of an exported session. */
export interface GatewayTaskExport {
  id: string;
  status: string;
  userMessage: string;
  responseText: string;
  usage: unknown;
  metadata: unknown;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
  feedback: { userId: string; rating: string; comment: string | null; updatedAt: Date }[];
  /** Present when asked for: the numbered stream events the browser replays. */
  events?: { seq: number; type: string; data: unknown; createdAt: Date }[];
}

/** A compaction checkpoint of an exported session (where the agent summarised older turns). */
export interface GatewayCompactionExport {
  id: string;
  taskId: string | null;
  reason: string;
  turnsCompacted: number;
  tokensBefore: number;
  tokensAfter: number;
  summary: string | null;
  createdAt: Date;
}

/** A whole gateway session as `agent-mesh sessions export` writes it. */
export interface GatewaySessionExport {
  kind: 'gateway';
  session: Omit<GatewaySessionListing, 'tasks'> & { lastViewedAt: Date | null };
  tasks: GatewayTaskExport[];
  compactions: GatewayCompactionExport[];
}

/** Rows deleted with sessions, by table. */
interface DeletedRows {
  sessions: number;
  tasks: number;
  taskEvents: number;
  feedback: number;
  compactions: number;
}

/** Transactions of a batch may wait for row locks of running requests; give them room. */
const transactionOptions = { maxWait: 10_000, timeout: 60_000 };

/** How often a batch that deadlocked with live traffic is retried. */
const maxBatchAttempts = 3;

/**
 * Operator access to the gateway database, across users: list, export and delete sessions, and prune
 * the ones inactive since a cutoff — in batches of `batchSize` sessions per short transaction, oldest
 * first along the `updated_at` index, each session re-checked under a lock so one that became active
 * meanwhile is kept. Children (feedback, stream events, tasks, compaction checkpoints) are deleted explicitly before their
 * session in the same transaction, so nothing depends on SQLite's foreign-key pragma. Safe while
 * gateways serve on the same database.
 */
export class GatewaySessionAdmin {
  readonly kind = 'gateway' as const;
  private readonly client: GatewayPrismaClient;
  private readonly provider: DatabaseProvider;
  private readonly sql: SqlTemplate;

  constructor(database: GatewayDatabase) {
    this.client = database.client;
    this.provider = database.provider;
    this.sql = createSqlTemplate(database.provider);
  }

  /** Lists sessions most recently active first, optionally of one user. */
  async listSessions(options: {
    userId?: string;
    limit: number;
  }): Promise<GatewaySessionListing[]> {
    const rows = await this.client.chatSession.findMany({
      where: options.userId === undefined ? {} : { userId: options.userId },
      orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
      take: options.limit,
      include: { _count: { select: { tasks: true } } },
    });
    return rows.map(toListing);
  }

  /** Finds one session by id, whoever owns it; null when there is none. */
  async findSession(id: string): Promise<GatewaySessionListing | null> {
    const row = await this.client.chatSession.findUnique({
      where: { id },
      include: { _count: { select: { tasks: true } } },
    });
    if (row === null) return null;
    return toListing(row);
  }

  /** Reads a session with all its exchanges and feedback (and stream events if asked); SESSION_NOT_FOUND if none. */
  async exportSession(
    id: string,
    options: { events?: boolean } = {},
  ): Promise<GatewaySessionExport> {
    const session = await this.client.chatSession.findUnique({ where: { id } });
    if (session === null) throw sessionNotFound(id);
    const tasks = await this.client.chatTask.findMany({
      where: { sessionId: id },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      include: {
        feedback: { orderBy: { createdAt: 'asc' } },
        ...(options.events === true ? { events: { orderBy: { seq: 'asc' as const } } } : {}),
      },
    });
    const compactions = await this.client.sessionCompaction.findMany({
      where: { sessionId: id },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return {
      kind: 'gateway',
      compactions: compactions.map((row) => ({
        id: row.id,
        taskId: row.taskId,
        reason: row.reason,
        turnsCompacted: row.turnsCompacted,
        tokensBefore: row.tokensBefore,
        tokensAfter: row.tokensAfter,
        summary: row.summary,
        createdAt: row.createdAt,
      })),
      session: {
        id: session.id,
        userId: session.userId,
        name: session.name,
        agent: session.agent,
        createdAt: session.createdAt,
        updatedAt: session.updatedAt,
        lastViewedAt: session.lastViewedAt,
      },
      tasks: tasks.map((task) => ({
        id: task.id,
        status: task.status,
        userMessage: task.userMessage,
        responseText: task.responseText,
        usage: parseJson(task.usage),
        metadata: parseJson(task.metadata),
        error: task.error,
        createdAt: task.createdAt,
        updatedAt: task.updatedAt,
        completedAt: task.completedAt,
        feedback: task.feedback.map((feedback) => ({
          userId: feedback.userId,
          rating: feedback.rating,
          comment: feedback.comment,
          updatedAt: feedback.updatedAt,
        })),
        ...('events' in task && Array.isArray(task.events)
          ? {
              events: (
                task.events as { seq: number; type: string; data: string; createdAt: Date }[]
              ).map((event) => ({
                seq: event.seq,
                type: event.type,
                data: parseJson(event.data),
                createdAt: event.createdAt,
              })),
            }
          : {}),
      })),
    };
  }

  /**
   * Deletes one session with its tasks, stream events, feedback and compaction checkpoints;
   * SESSION_NOT_FOUND if there is none. A reply still streaming on a gateway stops being recorded (its
   * task is gone).
   */
  async deleteSession(id: string): Promise<Omit<DeletedRows, 'sessions'>> {
    const deleted = await this.client.$transaction(
      (tx) => this.deleteBatch(tx, [id], null),
      transactionOptions,
    );
    if (deleted.sessions === 0) throw sessionNotFound(id);
    return {
      tasks: deleted.tasks,
      taskEvents: deleted.taskEvents,
      feedback: deleted.feedback,
      compactions: deleted.compactions,
    };
  }

  /**
   * Deletes every session last active before `olderThan` with its tasks, stream events, feedback and
   * compaction checkpoints, `batchSize` sessions per transaction; with `dryRun`, counts them instead.
   */
  async pruneSessions(options: PruneOptions): Promise<PruneResult> {
    const cutoff = options.olderThan;
    const batchSize = checkPruneBatchSize(options.batchSize ?? defaultPruneBatchSize);
    if (options.dryRun === true) return this.countPrunable(cutoff);
    const result: PruneResult = {
      cutoff,
      dryRun: false,
      sessions: 0,
      related: { tasks: 0, taskEvents: 0, feedback: 0, compactions: 0 },
      batches: 0,
    };
    let after: { updatedAt: Date; id: string } | null = null;
    for (;;) {
      if (options.signal?.aborted === true) break;
      const candidates = await this.selectCandidates(cutoff, after, batchSize);
      const last = candidates.at(-1);
      if (last === undefined) break;
      after = { updatedAt: toDate(last.updated_at), id: last.id };
      const ids = candidates.map((row) => row.id);
      const deleted = await this.withRetry(() =>
        this.client.$transaction((tx) => this.deleteBatch(tx, ids, cutoff), transactionOptions),
      );
      result.batches += 1;
      const { sessions, ...related } = deleted;
      result.sessions += sessions;
      for (const [table, count] of Object.entries(related)) {
        result.related[table] = (result.related[table] ?? 0) + count;
      }
      if (candidates.length < batchSize) break;
    }
    return result;
  }

  /** The next batch of sessions inactive since the cutoff, oldest first, after a keyset position. */
  private selectCandidates(
    cutoff: Date,
    after: { updatedAt: Date; id: string } | null,
    limit: number,
  ): Promise<{ id: string; updated_at: unknown }[]> {
    const { sql } = this;
    const keyset =
      after === null
        ? sql``
        : sql` AND (updated_at > ${after.updatedAt} OR (updated_at = ${after.updatedAt} AND id > ${after.id}))`;
    return query(
      this.client,
      sql`SELECT id, updated_at FROM sessions WHERE updated_at < ${cutoff}${keyset} ORDER BY updated_at, id LIMIT ${trustedSql(String(limit))}`,
    );
  }

  /**
   * Deletes the sessions among `ids` (only those still inactive before `cutoff`, when given) and their
   * children, inside one transaction: first the session rows are locked (SQLite: the write lock is
   * taken by the first statement, a no-op delete, so the checks below cannot go stale).
   */
  private async deleteBatch(
    tx: RawRunner,
    ids: readonly string[],
    cutoff: Date | null,
  ): Promise<DeletedRows> {
    const { sql } = this;
    const stillOld = cutoff === null ? sql`` : sql` AND updated_at < ${cutoff}`;
    const forUpdate = trustedSql(this.provider === 'sqlite' ? '' : ' FOR UPDATE');
    // SQLite: a deferred transaction that reads first cannot write if another process wrote meanwhile
    // (SQLITE_BUSY_SNAPSHOT); a no-op write takes the write lock up front, waiting on busy_timeout.
    if (this.provider === 'sqlite') await execute(tx, sql`DELETE FROM sessions WHERE 1 = 0`);
    const locked = await query<{ id: string }>(
      tx,
      sql`SELECT id FROM sessions WHERE id IN (${ids})${stillOld}${forUpdate}`,
    );
    if (locked.length === 0) {
      return { sessions: 0, tasks: 0, taskEvents: 0, feedback: 0, compactions: 0 };
    }
    const confirmed = locked.map((row) => row.id);
    const feedback = await execute(
      tx,
      sql`DELETE FROM feedback WHERE session_id IN (${confirmed})`,
    );
    const taskEvents = await execute(
      tx,
      sql`DELETE FROM task_events WHERE task_id IN (SELECT id FROM chat_tasks WHERE session_id IN (${confirmed}))`,
    );
    const tasks = await execute(tx, sql`DELETE FROM chat_tasks WHERE session_id IN (${confirmed})`);
    const compactions = await execute(
      tx,
      sql`DELETE FROM session_compactions WHERE session_id IN (${confirmed})`,
    );
    const sessions = await execute(tx, sql`DELETE FROM sessions WHERE id IN (${confirmed})`);
    return { sessions, tasks, taskEvents, feedback, compactions };
  }

  private async countPrunable(cutoff: Date): Promise<PruneResult> {
    const { sql } = this;
    const old = sql`SELECT id FROM sessions WHERE updated_at < ${cutoff}`;
    const [counts] = await query<Record<string, unknown>>(
      this.client,
      sql`SELECT (SELECT COUNT(*) FROM sessions WHERE updated_at < ${cutoff}) AS sessions, (SELECT COUNT(*) FROM chat_tasks WHERE session_id IN (${old})) AS tasks, (SELECT COUNT(*) FROM task_events WHERE task_id IN (SELECT id FROM chat_tasks WHERE session_id IN (${old}))) AS task_events, (SELECT COUNT(*) FROM feedback WHERE session_id IN (${old})) AS feedback, (SELECT COUNT(*) FROM session_compactions WHERE session_id IN (${old})) AS compactions`,
    );
    return {
      cutoff,
      dryRun: true,
      sessions: Number(counts?.sessions ?? 0),
      related: {
        tasks: Number(counts?.tasks ?? 0),
        taskEvents: Number(counts?.task_events ?? 0),
        feedback: Number(counts?.feedback ?? 0),
        compactions: Number(counts?.compactions ?? 0),
      },
      batches: 0,
    };
  }

  /** Retries a batch that lost a deadlock or serialization race with live traffic. */
  private withRetry<T>(work: () => Promise<T>): Promise<T> {
    return retryOnTransientConflict(work, maxBatchAttempts, (attempt) => 50 * attempt);
  }
}

function query<T>(runner: RawRunner, statement: BoundStatement): Promise<T[]> {
  return runner.$queryRawUnsafe<T[]>(statement.text, ...statement.values);
}

function execute(runner: RawRunner, statement: BoundStatement): Promise<number> {
  return runner.$executeRawUnsafe(statement.text, ...statement.values);
}

function sessionNotFound(id: string): MeshError {
  return new MeshError(
    'SESSION_NOT_FOUND',
    `Session "${id}" does not exist in the gateway database; list the sessions with \`agent-mesh sessions list\`.`,
    { sessionId: id },
  );
}

function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(typeof value === 'string' || typeof value === 'number' ? value : String(value));
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toListing(
  row: Omit<GatewaySessionListing, 'tasks'> & { _count: { tasks: number } },
): GatewaySessionListing {
  return {
    id: row.id,
    userId: row.userId,
    name: row.name,
    agent: row.agent,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    tasks: row._count.tasks,
  };
}
