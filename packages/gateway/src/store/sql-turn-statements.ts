import {
  createSqlTemplate,
  retryOnTransientConflict,
  trustedSql,
  type BoundStatement,
  type TrustedSql,
  type ChatTask,
  type SqlDriver,
  type SqlRunner,
  type SqlTemplate,
} from '@agent-mesh/shared';
import type { NewTask, SessionRecord, TaskProgress, WebSessionRecord } from './gateway-store.js';

/** A `sessions` row under the Prisma model's field names: the same fields as the record the store returns. */
type SessionRow = SessionRecord;

/** How often a gateway transaction aborted by a deadlock or busy database is tried in all. */
export const maxTransactionAttempts = 5;

/** The wait before retry `attempt`: short, with jitter so two conflicting writers do not meet again. */
export const transactionBackoffMs = (attempt: number): number => 5 * attempt + Math.random() * 20;

/**
 * The statements every chat turn runs (browser session, session and task reads, storing a task, its
 * progress and final state) on the database's own driver instead of Prisma: per statement Prisma costs
 * several times the driver's client CPU, which made it the largest part of the gateway's cost of a turn.
 * Rows are read under the Prisma model's field names and with real Dates, so the store maps them exactly
 * like the rows Prisma returns; values are bound the way Prisma binds them, so either side reads what the
 * other wrote.
 */
export class SqlTurnStatements {
  private readonly sql: SqlTemplate;
  private readonly taskColumns: TrustedSql;
  private readonly sessionColumns: TrustedSql;

  constructor(private readonly driver: SqlDriver) {
    this.sql = createSqlTemplate(driver.provider);
    const columns = (pairs: [string, string][]): TrustedSql =>
      trustedSql(pairs.map(([column, field]) => `${column} AS ${this.quoted(field)}`).join(', '));
    this.sessionColumns = columns([
      ['id', 'id'],
      ['user_id', 'userId'],
      ['name', 'name'],
      ['agent', 'agent'],
      ['created_at', 'createdAt'],
      ['updated_at', 'updatedAt'],
      ['last_viewed_at', 'lastViewedAt'],
    ]);
    this.taskColumns = columns([
      ['id', 'id'],
      ['session_id', 'sessionId'],
      ['user_id', 'userId'],
      ['agent', 'agent'],
      ['client_message_id', 'clientMessageId'],
      ['user_message', 'userMessage'],
      ['response_text', 'responseText'],
      ['status', 'status'],
      [this.quoted('usage'), 'usage'],
      ['metadata', 'metadata'],
      ['error', 'error'],
      ['last_event_seq', 'lastEventSeq'],
      ['created_at', 'createdAt'],
      ['updated_at', 'updatedAt'],
      ['completed_at', 'completedAt'],
    ]);
  }

  async getWebSession(sid: string): Promise<WebSessionRecord | null> {
    const rows = await this.query<{ data: string; expiresAt: unknown }>(
      this
        .sql`SELECT data, expires_at AS ${trustedSql(this.quoted('expiresAt'))} FROM web_sessions WHERE sid = ${sid}`,
    );
    const row = rows[0];
    return row ? { data: row.data, expiresAt: toDate(row.expiresAt) } : null;
  }

  async touchWebSession(sid: string, expiresAt: Date): Promise<void> {
    await this.execute(
      this.sql`UPDATE web_sessions SET expires_at = ${expiresAt} WHERE sid = ${sid}`,
    );
  }

  async upsertWebSession(sid: string, record: WebSessionRecord): Promise<void> {
    const { data, expiresAt } = record;
    await this.execute(
      this.driver.provider === 'mysql'
        ? this
            .sql`INSERT INTO web_sessions (sid, data, expires_at) VALUES (${sid}, ${data}, ${expiresAt}) ON DUPLICATE KEY UPDATE data = VALUES(data), expires_at = VALUES(expires_at)`
        : this
            .sql`INSERT INTO web_sessions (sid, data, expires_at) VALUES (${sid}, ${data}, ${expiresAt}) ON CONFLICT (sid) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
    );
  }

  async insertSession(session: Omit<SessionRow, 'lastViewedAt'>): Promise<void> {
    await this.execute(
      this
        .sql`INSERT INTO sessions (id, user_id, name, agent, created_at, updated_at) VALUES (${session.id}, ${session.userId}, ${session.name}, ${session.agent}, ${session.createdAt}, ${session.updatedAt})`,
    );
  }

  /** Changes the given fields of the user's session; false when there is no such session. */
  async updateSession(
    id: string,
    userId: string,
    patch: { name?: string; updatedAt?: Date; lastViewedAt?: Date },
  ): Promise<boolean> {
    const sql = this.sql;
    const assignments: BoundStatement[] = [];
    if (patch.name !== undefined) assignments.push(sql`name = ${patch.name}`);
    if (patch.updatedAt !== undefined) assignments.push(sql`updated_at = ${patch.updatedAt}`);
    if (patch.lastViewedAt !== undefined)
      assignments.push(sql`last_viewed_at = ${patch.lastViewedAt}`);
    const where = sql` WHERE id = ${id} AND user_id = ${userId}`;
    if (assignments.length === 0) {
      return (await this.query(sql`SELECT 1 AS found FROM sessions${where}`)).length > 0;
    }
    const set = assignments.reduce((list, item) => sql`${list}, ${item}`);
    // MySQL counts only rows whose values changed; the session exists either way, so ask by a read.
    const changed = await this.execute(sql`UPDATE sessions SET ${set}${where}`);
    if (changed > 0 || this.driver.provider !== 'mysql') return changed > 0;
    return (await this.query(sql`SELECT 1 AS found FROM sessions${where}`)).length > 0;
  }

  async getSession(id: string, userId: string): Promise<SessionRow | null> {
    const rows = await this.query<SessionRow>(
      this
        .sql`SELECT ${this.sessionColumns} FROM sessions WHERE id = ${id} AND user_id = ${userId}`,
    );
    const row = rows[0];
    if (!row) return null;
    return {
      ...row,
      createdAt: toDate(row.createdAt),
      updatedAt: toDate(row.updatedAt),
      lastViewedAt: toNullableDate(row.lastViewedAt),
    };
  }

  async getTask(id: string, userId: string): Promise<ChatTask | null> {
    return this.firstTask(
      this.sql`SELECT ${this.taskColumns} FROM chat_tasks WHERE id = ${id} AND user_id = ${userId}`,
    );
  }

  async findTaskByClientMessageId(
    sessionId: string,
    clientMessageId: string,
  ): Promise<ChatTask | null> {
    return this.firstTask(
      this
        .sql`SELECT ${this.taskColumns} FROM chat_tasks WHERE session_id = ${sessionId} AND client_message_id = ${clientMessageId}`,
    );
  }

  /** A task's events after `afterSeq`, in order, as stored (the WebSocket's replay before live). */
  listTaskEvents(taskId: string, afterSeq: number): Promise<{ seq: number; data: string }[]> {
    return this.query<{ seq: number; data: string }>(
      this
        .sql`SELECT seq, data FROM task_events WHERE task_id = ${taskId} AND seq > ${afterSeq} ORDER BY seq`,
    );
  }

  /**
   * Stores a new running task, its first event and the session's activity in one transaction; returns
   * the row as stored. Throws the driver's unique violation when the clientMessageId is taken.
   */
  async insertTask(input: NewTask): Promise<ChatTask> {
    const metadata = JSON.stringify(input.metadata);
    const sql = this.sql;
    const insertTask = sql`INSERT INTO chat_tasks (id, session_id, user_id, agent, client_message_id, user_message, response_text, status, metadata, last_event_seq, created_at, updated_at) VALUES (${input.id}, ${input.sessionId}, ${input.userId}, ${input.agent}, ${input.clientMessageId}, ${input.userMessage}, ${''}, ${'running'}, ${metadata}, ${1}, ${input.now}, ${input.now})`;
    const firstEvent = JSON.stringify(input.firstEvent);
    const touchSession = sql`UPDATE sessions SET updated_at = ${input.now} WHERE id = ${input.sessionId}`;
    if (this.driver.provider === 'postgresql') {
      // One statement is one round trip and its own transaction (a batch is five round trips).
      await this.retried(() =>
        this.execute(
          sql`WITH task AS (${insertTask} RETURNING id, created_at), event AS (INSERT INTO task_events (task_id, seq, type, data, created_at) SELECT id, 1, ${input.firstEvent.type}, ${firstEvent}, created_at FROM task) ${touchSession}`,
        ),
      );
    } else {
      await this.retried(() =>
        this.driver.batch([
          insertTask,
          sql`INSERT INTO task_events (task_id, seq, type, data, created_at) VALUES (${input.id}, ${1}, ${input.firstEvent.type}, ${firstEvent}, ${input.now})`,
          touchSession,
        ]),
      );
    }
    return {
      id: input.id,
      sessionId: input.sessionId,
      userId: input.userId,
      agent: input.agent,
      clientMessageId: input.clientMessageId,
      userMessage: input.userMessage,
      responseText: '',
      status: 'running',
      usage: null,
      metadata,
      error: null,
      lastEventSeq: 1,
      createdAt: input.now,
      updatedAt: input.now,
      completedAt: null,
    };
  }

  /**
   * Writes a batch of progress of a running task in one transaction: the row first (it is the lock
   * concurrent writers of the task queue on, and tells whether the task still runs), then the events,
   * and with a final status the session's activity. False when the task was no longer running.
   */
  saveTaskProgress(taskId: string, progress: TaskProgress): Promise<boolean> {
    const sql = this.sql;
    const nothing = trustedSql('');
    const metadata = progress.metadata
      ? sql`, metadata = ${JSON.stringify(progress.metadata)}`
      : nothing;
    const final = progress.status
      ? sql`, status = ${progress.status}, ${trustedSql(this.quoted('usage'))} = ${progress.usage ? JSON.stringify(progress.usage) : null}, error = ${progress.error ?? null}, completed_at = ${progress.now}`
      : nothing;
    const update = sql`UPDATE chat_tasks SET response_text = ${progress.responseText}, last_event_seq = ${progress.lastEventSeq}, updated_at = ${progress.now}${metadata}${final} WHERE id = ${taskId} AND status = ${'running'}`;
    if (this.driver.provider === 'postgresql')
      return this.saveTaskProgressInOneStatement(progress, update);
    const rows = progress.events.map(
      (item) =>
        sql`(${taskId}, ${item.seq}, ${item.event.type}, ${JSON.stringify(item.event)}, ${progress.now})`,
    );
    const insert =
      rows.length === 0
        ? undefined
        : joinValues(
            sql`INSERT INTO task_events (task_id, seq, type, data, created_at) VALUES `,
            rows,
            sql,
          );
    return this.retried(() =>
      this.driver.transaction(async (tx) => {
        if ((await run(tx, update)) === 0) return false;
        if (insert) await run(tx, insert);
        if (progress.status) {
          await run(
            tx,
            sql`UPDATE sessions SET updated_at = ${progress.now} WHERE id = (SELECT session_id FROM chat_tasks WHERE id = ${taskId})`,
          );
        }
        return true;
      }),
    );
  }

  /**
   * saveTaskProgress on PostgreSQL as one statement (one round trip instead of up to five): the events
   * and the session's activity are written only from the task row the update returned, so a task that
   * no longer runs gets neither, as in the transaction.
   */
  private async saveTaskProgressInOneStatement(
    progress: TaskProgress,
    update: BoundStatement,
  ): Promise<boolean> {
    const sql = this.sql;
    const parts = [sql`WITH task AS (${update} RETURNING id, session_id, updated_at)`];
    if (progress.events.length > 0) {
      const rows = progress.events.map(
        (item) => sql`(${item.seq}::integer, ${item.event.type}, ${JSON.stringify(item.event)})`,
      );
      parts.push(
        joinValues(
          sql`, events AS (INSERT INTO task_events (task_id, seq, type, data, created_at) SELECT task.id, row.seq, row.type, row.data, task.updated_at FROM task CROSS JOIN (VALUES `,
          rows,
          sql,
        ),
        sql`) AS row (seq, type, data))`,
      );
    }
    if (progress.status) {
      parts.push(
        sql`, activity AS (UPDATE sessions SET updated_at = task.updated_at FROM task WHERE sessions.id = task.session_id)`,
      );
    }
    parts.push(sql` SELECT count(*) AS written FROM task`);
    const statement = parts.reduce((text, part) => sql`${text}${part}`);
    const [row] = await this.retried(() => this.query<{ written: number }>(statement));
    return (row?.written ?? 0) > 0;
  }

  /** Quotes an identifier (`usage` is reserved in MySQL; camelCase aliases need quotes elsewhere). */
  private quoted(name: string): string {
    return this.driver.provider === 'mysql' ? `\`${name}\`` : `"${name}"`;
  }

  private async firstTask(statement: BoundStatement): Promise<ChatTask | null> {
    const rows = await this.query<ChatTask>(statement);
    const row = rows[0];
    if (!row) return null;
    return {
      ...row,
      createdAt: toDate(row.createdAt),
      updatedAt: toDate(row.updatedAt),
      completedAt: toNullableDate(row.completedAt),
    };
  }

  private query<T>(statement: BoundStatement): Promise<T[]> {
    return this.driver.query<T>(statement.text, statement.values);
  }

  private execute(statement: BoundStatement): Promise<number> {
    return this.driver.execute(statement.text, statement.values);
  }

  /** Runs a transaction again when the database aborted it for a deadlock or lock timeout. */
  private retried<T>(work: () => Promise<T>): Promise<T> {
    return retryOnTransientConflict(work, maxTransactionAttempts, transactionBackoffMs);
  }
}

function run(tx: SqlRunner, statement: BoundStatement): Promise<number> {
  return tx.execute(statement.text, statement.values);
}

/** `head` followed by the row tuples, comma-separated, as one statement. */
function joinValues(
  head: BoundStatement,
  rows: BoundStatement[],
  sql: SqlTemplate,
): BoundStatement {
  return rows.reduce<BoundStatement>(
    (statement, row, index) => (index === 0 ? sql`${statement}${row}` : sql`${statement}, ${row}`),
    head,
  );
}

/** SQLite returns timestamps as the ISO text Prisma stored; PostgreSQL and MySQL as Dates. */
function toDate(value: unknown): Date {
  return value instanceof Date ? value : new Date(value as string | number);
}

function toNullableDate(value: unknown): Date | null {
  return value === null || value === undefined ? null : toDate(value);
}
