import {
  MeshError,
  createSqlTemplate,
  checkPruneBatchSize,
  defaultPruneBatchSize,
  retryOnTransientConflict,
  trustedSql,
  type AgentDatabase,
  type AgentPrismaClient,
  type BoundStatement,
  type DatabaseProvider,
  type PruneOptions,
  type PruneResult,
  type SqlTemplate,
} from '@agent-mesh/shared';
import type { SessionEvent, SessionState } from './session-service.js';
import { toSessionEvent } from './session-records.js';

/** Raw SQL on the client or inside an interactive transaction. */
type RawRunner = Pick<AgentPrismaClient, '$queryRawUnsafe' | '$executeRawUnsafe'>;

/** A session of this agent in an operator listing. */
export interface AgentSessionListing {
  appName: string;
  userId: string;
  id: string;
  /** Events stored (the session's last seq). */
  events: number;
  /** seq of the newest compaction event, or null. */
  compactionSeq: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A whole agent session as `agent-mesh sessions export` writes it. */
export interface AgentSessionExport {
  kind: 'agent';
  session: AgentSessionListing & { state: SessionState };
  /** Every event in seq order, compaction events included (originals are kept). */
  events: SessionEvent[];
}

/** Which session of the agent an operator means: the id, and the user when several users share it. */
export interface AgentSessionSelector {
  id: string;
  userId?: string;
}

const transactionOptions = { maxWait: 10_000, timeout: 60_000 };
const maxBatchAttempts = 3;
/** Events read per query when exporting a long session. */
const exportPageSize = 1000;

interface SessionRow {
  pk: number;
  app_name: string;
  user_id: string;
  id: string;
  state: string;
  last_seq: number;
  compaction_seq: number | null;
  created_at: unknown;
  updated_at: unknown;
}

/**
 * Operator access to one agent's sessions in its database (other agents sharing the database are never
 * touched): list, export and delete sessions, and prune those inactive since a cutoff with their
 * events and A2A task records — `batchSize` sessions per short transaction, oldest first along the
 * `updated_at` index, each re-checked under a row lock (SQLite: the file's write lock) so a session
 * that became active meanwhile is kept. A2A task records not updated since the cutoff are removed too
 * (tasks of runs whose session is already gone). Safe while the agent serves on the same database.
 */
export class AgentSessionAdmin {
  readonly kind = 'agent' as const;
  private readonly client: AgentPrismaClient;
  private readonly provider: DatabaseProvider;
  private readonly sql: SqlTemplate;

  constructor(
    database: AgentDatabase,
    /** The agent name: its sessions' app_name. */
    readonly appName: string,
  ) {
    this.client = database.client;
    this.provider = database.provider;
    this.sql = createSqlTemplate(database.provider);
  }

  /** Lists this agent's sessions, most recently active first, optionally of one user. */
  async listSessions(options: { userId?: string; limit: number }): Promise<AgentSessionListing[]> {
    const { sql } = this;
    const byUser = options.userId === undefined ? sql`` : sql` AND user_id = ${options.userId}`;
    const rows = await query<SessionRow>(
      this.client,
      sql`SELECT pk, app_name, user_id, id, state, last_seq, compaction_seq, created_at, updated_at FROM sessions WHERE app_name = ${this.appName}${byUser} ORDER BY updated_at DESC, id DESC LIMIT ${trustedSql(String(checkLimit(options.limit)))}`,
    );
    return rows.map(toListing);
  }

  /** Reads a session with every event; SESSION_NOT_FOUND if none, REQUEST_INVALID if the id is ambiguous. */
  async exportSession(selector: AgentSessionSelector): Promise<AgentSessionExport> {
    const row = await this.findOne(selector);
    const { sql } = this;
    const events: SessionEvent[] = [];
    for (let afterSeq = 0; ;) {
      const page = await query<Record<string, unknown>>(
        this.client,
        sql`SELECT seq, id, invocation_id, author, message_id, content, actions, ${trustedSql(this.provider === 'mysql' ? '`usage`' : '"usage"')} AS usage_json, ${trustedSql(this.provider === 'mysql' ? '`timestamp`' : '"timestamp"')} AS event_time FROM events WHERE session_pk = ${row.pk} AND seq > ${afterSeq} ORDER BY seq LIMIT ${trustedSql(String(exportPageSize))}`,
      );
      for (const event of page) {
        events.push(
          toSessionEvent({
            seq: Number(event.seq),
            id: String(event.id),
            invocationId: String(event.invocation_id),
            author: String(event.author),
            messageId: (event.message_id as string | null) ?? null,
            content: (event.content as string | null) ?? null,
            actions: (event.actions as string | null) ?? null,
            usage: (event.usage_json as string | null) ?? null,
            timestamp: toDate(event.event_time),
          }),
        );
      }
      const last = events.at(-1);
      if (page.length < exportPageSize || last === undefined) break;
      afterSeq = last.seq;
    }
    return {
      kind: 'agent',
      session: { ...toListing(row), state: JSON.parse(row.state) as SessionState },
      events,
    };
  }

  /**
   * Deletes one session with its events and the A2A task records of its context; SESSION_NOT_FOUND if
   * none, REQUEST_INVALID if several users have a session with this id and no user was given.
   */
  async deleteSession(selector: AgentSessionSelector): Promise<{ events: number; tasks: number }> {
    const row = await this.findOne(selector);
    const deleted = await this.client.$transaction(
      (tx) => this.deleteBatch(tx, [row.pk], null),
      transactionOptions,
    );
    if (deleted.sessions === 0) throw this.notFound(selector);
    return { events: deleted.events, tasks: deleted.tasks };
  }

  /**
   * Deletes this agent's sessions last active before `olderThan` with their events and A2A task records,
   * `batchSize` sessions per transaction, then task records not updated since the cutoff; with
   * `dryRun`, counts them instead.
   */
  async pruneSessions(options: PruneOptions): Promise<PruneResult> {
    const cutoff = options.olderThan;
    const batchSize = checkPruneBatchSize(options.batchSize ?? defaultPruneBatchSize);
    if (options.dryRun === true) return this.countPrunable(cutoff);
    const { sql } = this;
    const result: PruneResult = {
      cutoff,
      dryRun: false,
      sessions: 0,
      related: { events: 0, tasks: 0 },
      batches: 0,
    };
    const add = (deleted: { sessions: number; events: number; tasks: number }): void => {
      result.batches += 1;
      result.sessions += deleted.sessions;
      result.related.events = (result.related.events ?? 0) + deleted.events;
      result.related.tasks = (result.related.tasks ?? 0) + deleted.tasks;
    };
    let after: { updatedAt: Date; pk: number } | null = null;
    for (;;) {
      if (isAborted(options.signal)) return result;
      const keyset: BoundStatement =
        after === null
          ? sql``
          : sql` AND (updated_at > ${after.updatedAt} OR (updated_at = ${after.updatedAt} AND pk > ${after.pk}))`;
      const candidates: { pk: number; updated_at: unknown }[] = await query<{
        pk: number;
        updated_at: unknown;
      }>(
        this.client,
        sql`SELECT pk, updated_at FROM sessions WHERE app_name = ${this.appName} AND updated_at < ${cutoff}${keyset} ORDER BY updated_at, pk LIMIT ${trustedSql(String(batchSize))}`,
      );
      const last = candidates.at(-1);
      if (last === undefined) break;
      after = { updatedAt: toDate(last.updated_at), pk: Number(last.pk) };
      const pks = candidates.map((row) => Number(row.pk));
      add(
        await this.withRetry(() =>
          this.client.$transaction((tx) => this.deleteBatch(tx, pks, cutoff), transactionOptions),
        ),
      );
      if (candidates.length < batchSize) break;
    }
    // Task records of runs whose session is gone (RUN_BASED) age out on their own timestamp. No index
    // covers it, so no ORDER BY: each query stops at the first `batchSize` old rows it meets.
    for (;;) {
      if (isAborted(options.signal)) return result;
      const old = await query<{ id: string }>(
        this.client,
        sql`SELECT id FROM a2a_tasks WHERE app_name = ${this.appName} AND updated_at < ${cutoff} LIMIT ${trustedSql(String(batchSize))}`,
      );
      if (old.length === 0) break;
      const ids = old.map((row) => row.id);
      const tasks = await this.withRetry(() =>
        execute(
          this.client,
          sql`DELETE FROM a2a_tasks WHERE app_name = ${this.appName} AND id IN (${ids}) AND updated_at < ${cutoff}`,
        ),
      );
      add({ sessions: 0, events: 0, tasks });
      if (old.length < batchSize) break;
    }
    return result;
  }

  /** Finds the one session a selector names, or says why it cannot. */
  private async findOne(selector: AgentSessionSelector): Promise<SessionRow> {
    const { sql } = this;
    const byUser = selector.userId === undefined ? sql`` : sql` AND user_id = ${selector.userId}`;
    const rows = await query<SessionRow>(
      this.client,
      sql`SELECT pk, app_name, user_id, id, state, last_seq, compaction_seq, created_at, updated_at FROM sessions WHERE app_name = ${this.appName} AND id = ${selector.id}${byUser} LIMIT 10`,
    );
    const [first, second] = rows;
    if (first === undefined) throw this.notFound(selector);
    if (second !== undefined) {
      throw new MeshError(
        'REQUEST_INVALID',
        `Several users of agent "${this.appName}" have a session "${selector.id}" ` +
          `(${rows.map((row) => row.user_id).join(', ')}); say which with --user <id>.`,
        { sessionId: selector.id, users: rows.map((row) => row.user_id) },
      );
    }
    return first;
  }

  /**
   * Deletes the sessions among `pks` (only those still inactive before `cutoff`, when given), their
   * events and the task records of their contexts, in one transaction that first locks the session rows.
   */
  private async deleteBatch(
    tx: RawRunner,
    pks: readonly number[],
    cutoff: Date | null,
  ): Promise<{ sessions: number; events: number; tasks: number }> {
    const { sql } = this;
    const stillOld = cutoff === null ? sql`` : sql` AND updated_at < ${cutoff}`;
    const forUpdate = trustedSql(this.provider === 'sqlite' ? '' : ' FOR UPDATE');
    // SQLite: a deferred transaction that reads first cannot write if another process wrote meanwhile
    // (SQLITE_BUSY_SNAPSHOT); a no-op write takes the write lock up front, waiting on busy_timeout.
    if (this.provider === 'sqlite') await execute(tx, sql`DELETE FROM sessions WHERE 1 = 0`);
    const locked = await query<{ pk: number; id: string }>(
      tx,
      sql`SELECT pk, id FROM sessions WHERE pk IN (${pks})${stillOld}${forUpdate}`,
    );
    if (locked.length === 0) return { sessions: 0, events: 0, tasks: 0 };
    const confirmed = locked.map((row) => Number(row.pk));
    const contexts = [...new Set(locked.map((row) => row.id))];
    const events = await execute(tx, sql`DELETE FROM events WHERE session_pk IN (${confirmed})`);
    const tasks = await execute(
      tx,
      sql`DELETE FROM a2a_tasks WHERE app_name = ${this.appName} AND context_id IN (${contexts})`,
    );
    const sessions = await execute(tx, sql`DELETE FROM sessions WHERE pk IN (${confirmed})`);
    return { sessions, events, tasks };
  }

  private async countPrunable(cutoff: Date): Promise<PruneResult> {
    const { sql } = this;
    const old = sql`SELECT id FROM sessions WHERE app_name = ${this.appName} AND updated_at < ${cutoff}`;
    const oldPks = sql`SELECT pk FROM sessions WHERE app_name = ${this.appName} AND updated_at < ${cutoff}`;
    const [counts] = await query<Record<string, unknown>>(
      this.client,
      sql`SELECT (SELECT COUNT(*) FROM sessions WHERE app_name = ${this.appName} AND updated_at < ${cutoff}) AS sessions, (SELECT COUNT(*) FROM events WHERE session_pk IN (${oldPks})) AS events, (SELECT COUNT(*) FROM a2a_tasks WHERE app_name = ${this.appName} AND (updated_at < ${cutoff} OR context_id IN (${old}))) AS tasks`,
    );
    return {
      cutoff,
      dryRun: true,
      sessions: Number(counts?.sessions ?? 0),
      related: { events: Number(counts?.events ?? 0), tasks: Number(counts?.tasks ?? 0) },
      batches: 0,
    };
  }

  private withRetry<T>(work: () => Promise<T>): Promise<T> {
    return retryOnTransientConflict(work, maxBatchAttempts, (attempt) => 50 * attempt);
  }

  private notFound(selector: AgentSessionSelector): MeshError {
    const user = selector.userId === undefined ? '' : ` of user "${selector.userId}"`;
    return new MeshError(
      'SESSION_NOT_FOUND',
      `Agent "${this.appName}" has no session "${selector.id}"${user} in its database; list them with \`agent-mesh sessions list\`.`,
      {
        appName: this.appName,
        sessionId: selector.id,
        ...(selector.userId ? { userId: selector.userId } : {}),
      },
    );
  }
}

/** Read through a function so TypeScript does not keep an earlier check's narrowing across awaits. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function toListing(row: SessionRow): AgentSessionListing {
  return {
    appName: row.app_name,
    userId: row.user_id,
    id: row.id,
    events: Number(row.last_seq),
    compactionSeq: row.compaction_seq === null ? null : Number(row.compaction_seq),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

function query<T>(runner: RawRunner, statement: BoundStatement): Promise<T[]> {
  return runner.$queryRawUnsafe<T[]>(statement.text, ...statement.values);
}

function execute(runner: RawRunner, statement: BoundStatement): Promise<number> {
  return runner.$executeRawUnsafe(statement.text, ...statement.values);
}

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    throw new MeshError(
      'REQUEST_INVALID',
      `The limit must be a whole number from 1 to 10000, got ${limit}.`,
      {
        field: 'limit',
      },
    );
  }
  return limit;
}

function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(typeof value === 'string' || typeof value === 'number' ? value : String(value));
}
