import { MeshError, type AgentDatabase, type SqlDriver, type SqlRunner } from '@agent-mesh/shared';
import type {
  AppendedEvent,
  EventPage,
  NewSessionEvent,
  Session,
  SessionEvent,
  SessionKey,
  SessionPage,
  SessionService,
  SessionServiceObserver,
  SessionState,
  TurnContext,
} from './session-service.js';
import {
  checkAfterSeq,
  checkCompactionRange,
  checkLimit,
  checkSessionKey,
  checkState,
  prepareEvent,
  type PreparedEvent,
} from './session-input.js';
import {
  decodeSessionCursor,
  encodeSessionCursor,
  isCompactionEvent,
  sessionExists,
  sessionNotFound,
  toSessionEvent,
} from './session-records.js';
import { hasKeys, mergeState, splitState } from './session-state.js';
import { emptySql, raw, SqlDialect, type Sql } from './sql-dialect.js';
import { classifySqlError } from './sql-errors.js';

/** What runs SQL: the driver itself or the connection of an open transaction. */
type Runner = SqlRunner;

/** How often an append that keeps losing races is retried before it fails with CONFLICT. */
const maxAppendAttempts = 50;

/** Sessions whose pk, last_seq and state this service remembers, so an append needs no read first. */
const cacheSize = 1000;

/** Event columns in table order; `usage` is reserved in MySQL and `timestamp` is a type name. */
const eventColumnNames = [
  'seq',
  'id',
  'invocation_id',
  'author',
  'message_id',
  'content',
  'actions',
  'usage',
  'timestamp',
] as const;

interface SessionRow {
  pk: number;
  state: string;
  last_seq: number;
  compaction_seq: number | null;
  created_at: Date;
  updated_at: Date;
  app_state: string | null;
  user_state: string | null;
}

interface EventRow {
  seq: number;
  id: string;
  invocation_id: string;
  author: string;
  message_id: string | null;
  content: string | null;
  actions: string | null;
  usage: string | null;
  timestamp: Date;
}

/** The session row as an append needs it; valid while the stored last_seq still equals `lastSeq`. */
interface SessionVersion {
  pk: number;
  lastSeq: number;
  /** JSON text of the session-scoped state at `lastSeq`. */
  state: string;
}

/** Thrown inside an append transaction when the session moved on since it was read: retry with a fresh read. */
class StaleSessionError extends Error {}

/**
 * A SessionService on the agent database (SQLite, PostgreSQL, MySQL/MariaDB) through the database's own
 * driver (`database.driver`: better-sqlite3, node-postgres, the MariaDB connector) rather than the Prisma
 * client — every append and turn load is a few statements, and Prisma's per-statement cost would be
 * several times the database's own (docs/performance.md). Appends are optimistic: each takes `last_seq + 1` under a compare-and-set of the
 * session row, in one transaction with the event insert and the state delta; a writer that lost the race
 * re-reads (with a row lock) and retries, so nothing is lost or overwritten. On PostgreSQL an append
 * without a state delta is one statement; elsewhere an append without app:/user: state is two statements
 * in one batch transaction. A turn load reads the session, its newest summary and only the events after
 * the summarised range: two indexed queries, however long the history.
 */
export class SqlSessionService implements SessionService {
  readonly kind = 'sql' as const;
  private readonly driver: SqlDriver;
  private readonly dialect: SqlDialect;
  private readonly eventColumns: string;
  private readonly versions = new Map<string, SessionVersion>();

  constructor(
    database: AgentDatabase,
    private readonly options: { observer?: SessionServiceObserver } = {},
  ) {
    this.driver = database.driver;
    this.dialect = new SqlDialect(database.provider);
    this.eventColumns = eventColumnNames.map((name) => this.dialect.id(name)).join(', ');
  }

  async createSession(key: SessionKey, state: SessionState = {}): Promise<Session> {
    checkSessionKey(key);
    const initial = checkState(state, 'state');
    await this.insertSession(key, initial);
    const session = await this.getSession(key);
    if (session === null) throw sessionNotFound(key); // deleted by someone else in between
    // temp: keys live on the returned object for this invocation only.
    return { ...session, state: { ...initial, ...session.state } };
  }

  async getSession(key: SessionKey): Promise<Session | null> {
    checkSessionKey(key);
    const rows = await this.read((runner) =>
      this.query<SessionRow>(runner, this.selectSession(key, false)),
    );
    const row = rows[0];
    return row === undefined ? null : this.toSession(key, row);
  }

  async getOrCreateSession(key: SessionKey, state: SessionState = {}): Promise<Session> {
    const existing = await this.getSession(key);
    if (existing !== null) return existing;
    try {
      return await this.createSession(key, state);
    } catch (error) {
      if (!(error instanceof MeshError && error.code === 'CONFLICT')) throw error;
      const created = await this.getSession(key);
      if (created === null) throw error;
      return created;
    }
  }

  async appendEvent(key: SessionKey, event: NewSessionEvent): Promise<AppendedEvent> {
    checkSessionKey(key);
    const prepared = prepareEvent(event);
    for (let attempt = 0; ; attempt += 1) {
      try {
        const appended =
          this.dialect.provider === 'postgresql' && prepared.delta === null
            ? await this.appendInOneStatement(key, prepared)
            : attempt === 0 && this.dialect.provider !== 'postgresql' && !hasScopedDelta(prepared)
              ? await this.appendInBatch(key, prepared)
              : await this.appendInTransaction(key, prepared, attempt);
        if (appended !== null) {
          this.options.observer?.onEventAppended?.(key, appended);
          return appended;
        }
      } catch (error) {
        this.versions.delete(cacheKey(key));
        if (error instanceof StaleSessionError) {
          // Lost the compare-and-set: the next attempt re-reads the row (with a lock where there are locks).
        } else {
          const kind = classifySqlError(error);
          if (kind === 'duplicate-message' && prepared.messageId !== null) {
            const existing = await this.findByMessageId(key, prepared.messageId);
            if (existing !== null) return { ...existing, deduplicated: true };
          } else if (kind !== 'retryable') {
            throw error;
          }
        }
      }
      if (attempt + 1 >= maxAppendAttempts) {
        throw new MeshError(
          'CONFLICT',
          `Could not append to session "${key.sessionId}" after ${maxAppendAttempts} attempts: other writers ` +
            'kept changing it. Retry the request.',
          { appName: key.appName, userId: key.userId, sessionId: key.sessionId },
        );
      }
      if (attempt > 0) await delay(Math.min(50, 2 ** attempt) * (0.5 + Math.random()));
    }
  }

  async loadForTurn(key: SessionKey): Promise<TurnContext | null> {
    checkSessionKey(key);
    // No transaction: the events read is bounded by the last_seq the first read saw, and events up to it
    // never change, so the two reads agree without one.
    return this.read(async (runner) => {
      const rows = await this.query<SessionRow & Prefixed<EventRow>>(
        runner,
        this.selectSession(key, true),
      );
      const row = rows[0];
      if (row === undefined) return null;
      const session = this.toSession(key, row);
      const summary = row.c_seq === null ? null : sessionEventFromRow(unprefix(row));
      const coveredEnd = summary?.actions.compaction?.endSeq ?? 0;
      const { dialect: d } = this;
      const events =
        coveredEnd >= session.lastSeq
          ? []
          : await this.query<EventRow>(
              runner,
              d.sql`SELECT ${raw(this.eventColumns)} FROM events WHERE session_pk = ${row.pk} AND seq > ${coveredEnd} AND seq <= ${session.lastSeq} ORDER BY seq`,
            );
      return {
        session,
        summary,
        events: events
          .map((event) => sessionEventFromRow(event))
          .filter((event) => !isCompactionEvent(event)),
      };
    });
  }

  async listEvents(
    key: SessionKey,
    options: { afterSeq?: number; limit: number },
  ): Promise<EventPage> {
    checkSessionKey(key);
    const limit = checkLimit(options.limit);
    const afterSeq = checkAfterSeq(options.afterSeq);
    const { dialect: d } = this;
    // The page straight off the (session_pk, seq) primary key, one row more than asked to tell whether
    // another page follows (the log has no gaps); a join with sessions would hide that order from the
    // planner, which then reads and sorts the whole rest of the history for every page.
    const page = d.sql`SELECT ${raw(this.eventColumns)} FROM events WHERE session_pk = (SELECT pk FROM sessions WHERE app_name = ${key.appName} AND user_id = ${key.userId} AND id = ${key.sessionId}) AND seq > ${afterSeq} ORDER BY seq LIMIT ${raw(String(limit + 1))}`;
    const rows = await this.read(async (runner) => {
      const found = await this.query<EventRow>(runner, page);
      // No row: an empty page of an existing session, or no session at all.
      if (found.length === 0 && !(await this.sessionExists(runner, key))) {
        throw sessionNotFound(key);
      }
      return found;
    });
    const events = rows.slice(0, limit).map((row) => sessionEventFromRow(row));
    return {
      events,
      nextAfterSeq: rows.length > limit ? (events.at(-1)?.seq ?? null) : null,
    };
  }

  async listSessions(
    appName: string,
    userId: string,
    options: { limit: number; cursor?: string },
  ): Promise<SessionPage> {
    checkSessionKey({ appName, userId, sessionId: '-' });
    const limit = checkLimit(options.limit);
    const after = options.cursor === undefined ? null : decodeSessionCursor(options.cursor);
    const { dialect: d } = this;
    const statement =
      after === null
        ? d.sql`SELECT id, last_seq, created_at, updated_at FROM sessions WHERE app_name = ${appName} AND user_id = ${userId} ORDER BY updated_at DESC, id DESC LIMIT ${raw(String(limit + 1))}`
        : d.sql`SELECT id, last_seq, created_at, updated_at FROM sessions WHERE app_name = ${appName} AND user_id = ${userId} AND (updated_at < ${after.updatedAt} OR (updated_at = ${after.updatedAt} AND id < ${after.sessionId})) ORDER BY updated_at DESC, id DESC LIMIT ${raw(String(limit + 1))}`;
    const rows = await this.read((runner) =>
      this.query<{ id: string; last_seq: number; created_at: Date; updated_at: Date }>(
        runner,
        statement,
      ),
    );
    const page = rows.slice(0, limit).map((row) => ({
      appName,
      userId,
      sessionId: row.id,
      lastSeq: Number(row.last_seq),
      createdAt: toDate(row.created_at),
      updatedAt: toDate(row.updated_at),
    }));
    const last = page.at(-1);
    return {
      sessions: page,
      nextCursor:
        rows.length > limit && last !== undefined
          ? encodeSessionCursor(last.updatedAt, last.sessionId)
          : null,
    };
  }

  async deleteSession(key: SessionKey): Promise<boolean> {
    checkSessionKey(key);
    this.versions.delete(cacheKey(key));
    const { dialect: d } = this;
    // Events go first explicitly, so nothing depends on SQLite's foreign-key pragma for the cascade.
    return this.write(async (tx) => {
      const rows = await this.query<{ pk: number }>(
        tx,
        d.sql`SELECT pk FROM sessions WHERE app_name = ${key.appName} AND user_id = ${key.userId} AND id = ${key.sessionId}${raw(d.forUpdate)}`,
      );
      const pk = rows[0]?.pk;
      if (pk === undefined) return false;
      await this.execute(tx, d.sql`DELETE FROM events WHERE session_pk = ${pk}`);
      await this.execute(tx, d.sql`DELETE FROM sessions WHERE pk = ${pk}`);
      return true;
    });
  }

  close(): Promise<void> {
    // The database belongs to whoever opened it; only forget what this service remembered.
    this.versions.clear();
    return Promise.resolve();
  }

  /** Inserts the session row and merges its app:/user: state, in one transaction. */
  private async insertSession(key: SessionKey, initial: SessionState): Promise<void> {
    const scoped = splitState(initial);
    const { dialect: d } = this;
    const now = new Date();
    const insert = d.sql`INSERT INTO sessions (app_name, user_id, id, state, last_seq, created_at, updated_at) VALUES (${key.appName}, ${key.userId}, ${key.sessionId}, ${JSON.stringify(scoped.session)}, 0, ${now}, ${now})`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        if (!hasKeys(scoped.app) && !hasKeys(scoped.user)) {
          await this.writeBatch([insert]);
        } else {
          await this.write(async (tx) => {
            await this.mergeScopedState(tx, key, scoped.app, scoped.user, now);
            await this.execute(tx, insert);
          });
        }
        return;
      } catch (error) {
        const kind = classifySqlError(error);
        if (kind === 'duplicate-session') throw sessionExists(key);
        if (kind !== 'retryable' || attempt + 1 >= maxAppendAttempts) throw error;
        await delay(Math.min(50, 2 ** attempt) * (0.5 + Math.random()));
      }
    }
  }

  /**
   * PostgreSQL, no state delta: bump last_seq and insert the event in one statement. The row lock of the
   * UPDATE orders concurrent appenders, so there is no race to lose. Returns null after a stale attempt.
   */
  private async appendInOneStatement(
    key: SessionKey,
    prepared: PreparedEvent,
  ): Promise<AppendedEvent | null> {
    const { dialect: d } = this;
    const now = new Date();
    const { compaction, messageId } = prepared;
    const setCompaction = compaction === null ? emptySql : d.sql`, compaction_seq = last_seq + 1`;
    const compactionGuard =
      compaction === null ? emptySql : d.sql` AND last_seq >= ${compaction.endSeq}::int`;
    const messageGuard =
      messageId === null
        ? emptySql
        : d.sql` AND NOT EXISTS (SELECT 1 FROM events e WHERE e.session_pk = sessions.pk AND e.message_id = ${messageId}::text)`;
    const statement = d.sql`WITH s AS (UPDATE sessions SET last_seq = last_seq + 1, updated_at = ${now}::timestamp(3)${setCompaction} WHERE app_name = ${key.appName}::text AND user_id = ${key.userId}::text AND id = ${key.sessionId}::text${compactionGuard}${messageGuard} RETURNING pk, last_seq) INSERT INTO events (session_pk, ${raw(this.eventColumns)}) SELECT pk, last_seq, ${prepared.id}::text, ${prepared.invocationId}::text, ${prepared.author}::text, ${prepared.messageId}::text, ${prepared.content}::text, ${prepared.actions}::text, ${prepared.usage}::text, ${prepared.timestamp}::timestamp(3) FROM s RETURNING session_pk, seq`;
    const rows = await this.query<{ session_pk: number; seq: number }>(this.driver, statement);
    const inserted = rows[0];
    if (inserted !== undefined) {
      const seq = Number(inserted.seq);
      const cached = this.versions.get(cacheKey(key));
      if (
        cached !== undefined &&
        cached.pk === Number(inserted.session_pk) &&
        cached.lastSeq + 1 === seq
      ) {
        this.remember(key, { ...cached, lastSeq: seq });
      } else {
        this.versions.delete(cacheKey(key));
      }
      return appendedEvent(prepared, seq);
    }
    // Nothing matched: find out why (no session, a re-sent message, a compaction beyond the end).
    const version = await this.readVersion(this.driver, key, false);
    if (version === null) throw sessionNotFound(key);
    if (prepared.messageId !== null) {
      const existing = await this.findByMessageId(key, prepared.messageId);
      if (existing !== null) return { ...existing, deduplicated: true };
    }
    checkCompactionRange(prepared.compaction, version.lastSeq + 1);
    return null;
  }

  /**
   * SQLite and MySQL/MariaDB, no app: or user: state: compare-and-set the session row from the remembered
   * (or freshly read) last_seq and insert the event, as two statements of one batch transaction — the
   * same writes as appendInTransaction without the cost of an interactive transaction. The insert reads
   * `seq` back from the row the update just moved, so when the update lost the race (0 rows) the insert
   * writes nothing either (or collides with the winner's event and the batch rolls back). Returns null
   * when it lost: the next attempt goes through appendInTransaction, which reads under a lock.
   */
  private async appendInBatch(
    key: SessionKey,
    prepared: PreparedEvent,
  ): Promise<AppendedEvent | null> {
    const { dialect: d } = this;
    let version = this.versions.get(cacheKey(key));
    if (version === undefined || !compactionFits(prepared, version)) {
      version = (await this.read((runner) => this.readVersion(runner, key, false))) ?? undefined;
      if (version === undefined) throw sessionNotFound(key);
    }
    const { pk } = version;
    const seq = version.lastSeq + 1;
    checkCompactionRange(prepared.compaction, seq);
    const { state, update } = this.moveSessionOn(prepared, version, new Date());
    const insert = d.sql`INSERT INTO events (session_pk, ${raw(this.eventColumns)}) SELECT pk, last_seq, ${prepared.id}, ${prepared.invocationId}, ${prepared.author}, ${prepared.messageId}, ${prepared.content}, ${prepared.actions}, ${prepared.usage}, ${prepared.timestamp} FROM sessions WHERE pk = ${pk} AND last_seq = ${seq}`;
    const [updated, inserted] = await this.writeBatch([update, insert]);
    if (updated !== 1 || inserted !== 1) {
      this.versions.delete(cacheKey(key));
      return null;
    }
    this.remember(key, { pk, lastSeq: seq, state });
    return appendedEvent(prepared, seq);
  }

  /**
   * Every provider: compare-and-set the session row from the remembered (or freshly read) last_seq, merge
   * the state delta into its scopes, and insert the event, all in one transaction.
   */
  private async appendInTransaction(
    key: SessionKey,
    prepared: PreparedEvent,
    attempt: number,
  ): Promise<AppendedEvent> {
    const { dialect: d } = this;
    const result = await this.write(async (tx) => {
      let version = attempt === 0 ? this.versions.get(cacheKey(key)) : undefined;
      if (version === undefined || !compactionFits(prepared, version)) {
        // A retry, or nothing remembered: read the row, locking it so this attempt cannot lose again.
        version = (await this.readVersion(tx, key, true)) ?? undefined;
        if (version === undefined) throw sessionNotFound(key);
      }
      const seq = version.lastSeq + 1;
      checkCompactionRange(prepared.compaction, seq);
      const now = new Date();
      const { state, update } = this.moveSessionOn(prepared, version, now);
      const changed = await this.execute(tx, update);
      if (changed === 0) throw new StaleSessionError();
      if (prepared.delta !== null) {
        await this.mergeScopedState(tx, key, prepared.delta.app, prepared.delta.user, now);
      }
      await this.execute(
        tx,
        d.sql`INSERT INTO events (session_pk, ${raw(this.eventColumns)}) VALUES (${version.pk}, ${seq}, ${prepared.id}, ${prepared.invocationId}, ${prepared.author}, ${prepared.messageId}, ${prepared.content}, ${prepared.actions}, ${prepared.usage}, ${prepared.timestamp})`,
      );
      return { pk: version.pk, lastSeq: seq, state };
    });
    this.remember(key, result);
    return appendedEvent(prepared, result.lastSeq);
  }

  /**
   * The compare-and-set that moves a session from `version` to the next seq: last_seq, updated_at, the
   * session-scoped state delta merged in, and compaction_seq for a compaction. Returns the new state too.
   */
  private moveSessionOn(
    prepared: PreparedEvent,
    version: SessionVersion,
    now: Date,
  ): { state: string; update: Sql } {
    const { dialect: d } = this;
    const seq = version.lastSeq + 1;
    const sessionDelta = prepared.delta?.session;
    const state = hasKeys(sessionDelta)
      ? JSON.stringify({ ...(JSON.parse(version.state) as SessionState), ...sessionDelta })
      : version.state;
    const setState = hasKeys(sessionDelta) ? d.sql`, state = ${state}` : emptySql;
    const setCompaction =
      prepared.compaction === null ? emptySql : d.sql`, compaction_seq = ${seq}`;
    return {
      state,
      update: d.sql`UPDATE sessions SET last_seq = ${seq}, updated_at = ${now}${setState}${setCompaction} WHERE pk = ${version.pk} AND last_seq = ${version.lastSeq}`,
    };
  }

  /** Read-modify-write of the app: and user: rows, each under a row lock (or SQLite's write lock). */
  private async mergeScopedState(
    tx: Runner,
    key: SessionKey,
    app: SessionState,
    user: SessionState,
    now: Date,
  ): Promise<void> {
    const { dialect: d } = this;
    if (hasKeys(app)) {
      const rows = await this.query<{ state: string }>(
        tx,
        d.sql`SELECT state FROM app_states WHERE app_name = ${key.appName}${raw(d.forUpdate)}`,
      );
      const current = rows[0];
      await this.execute(
        tx,
        current === undefined
          ? d.sql`INSERT INTO app_states (app_name, state, updated_at) VALUES (${key.appName}, ${JSON.stringify(app)}, ${now})`
          : d.sql`UPDATE app_states SET state = ${JSON.stringify({ ...(JSON.parse(current.state) as SessionState), ...app })}, updated_at = ${now} WHERE app_name = ${key.appName}`,
      );
    }
    if (hasKeys(user)) {
      const rows = await this.query<{ state: string }>(
        tx,
        d.sql`SELECT state FROM user_states WHERE app_name = ${key.appName} AND user_id = ${key.userId}${raw(d.forUpdate)}`,
      );
      const current = rows[0];
      await this.execute(
        tx,
        current === undefined
          ? d.sql`INSERT INTO user_states (app_name, user_id, state, updated_at) VALUES (${key.appName}, ${key.userId}, ${JSON.stringify(user)}, ${now})`
          : d.sql`UPDATE user_states SET state = ${JSON.stringify({ ...(JSON.parse(current.state) as SessionState), ...user })}, updated_at = ${now} WHERE app_name = ${key.appName} AND user_id = ${key.userId}`,
      );
    }
  }

  private async readVersion(
    runner: Runner,
    key: SessionKey,
    lock: boolean,
  ): Promise<SessionVersion | null> {
    const { dialect: d } = this;
    const rows = await this.query<{ pk: number; last_seq: number; state: string }>(
      runner,
      d.sql`SELECT pk, last_seq, state FROM sessions WHERE app_name = ${key.appName} AND user_id = ${key.userId} AND id = ${key.sessionId}${raw(lock ? d.forUpdate : '')}`,
    );
    const row = rows[0];
    return row === undefined
      ? null
      : { pk: Number(row.pk), lastSeq: Number(row.last_seq), state: row.state };
  }

  private async sessionExists(runner: Runner, key: SessionKey): Promise<boolean> {
    const { dialect: d } = this;
    const rows = await this.query<{ found: number }>(
      runner,
      d.sql`SELECT 1 AS found FROM sessions WHERE app_name = ${key.appName} AND user_id = ${key.userId} AND id = ${key.sessionId}`,
    );
    return rows.length > 0;
  }

  private async findByMessageId(key: SessionKey, messageId: string): Promise<SessionEvent | null> {
    const { dialect: d } = this;
    const columns = eventColumnNames.map((name) => `e.${d.id(name)}`).join(', ');
    const rows = await this.read((runner) =>
      this.query<EventRow>(
        runner,
        d.sql`SELECT ${raw(columns)} FROM events e JOIN sessions s ON s.pk = e.session_pk WHERE s.app_name = ${key.appName} AND s.user_id = ${key.userId} AND s.id = ${key.sessionId} AND e.message_id = ${messageId}`,
      ),
    );
    const row = rows[0];
    return row === undefined ? null : sessionEventFromRow(row);
  }

  /** The session row with its app: and user: state, and (for a turn) the newest compaction event. */
  private selectSession(key: SessionKey, withSummary: boolean): Sql {
    const { dialect: d } = this;
    const summaryColumns = withSummary
      ? eventColumnNames.map((name) => `, c.${d.id(name)} AS ${d.id(`c_${name}`)}`).join('')
      : '';
    const summaryJoin = withSummary
      ? ' LEFT JOIN events c ON c.session_pk = s.pk AND c.seq = s.compaction_seq'
      : '';
    return d.sql`SELECT s.pk, s.state, s.last_seq, s.compaction_seq, s.created_at, s.updated_at, a.state AS app_state, u.state AS user_state${raw(summaryColumns)} FROM sessions s LEFT JOIN app_states a ON a.app_name = s.app_name LEFT JOIN user_states u ON u.app_name = s.app_name AND u.user_id = s.user_id${raw(summaryJoin)} WHERE s.app_name = ${key.appName} AND s.user_id = ${key.userId} AND s.id = ${key.sessionId}`;
  }

  private toSession(key: SessionKey, row: SessionRow): Session {
    const lastSeq = Number(row.last_seq);
    this.remember(key, { pk: Number(row.pk), lastSeq, state: row.state });
    return {
      appName: key.appName,
      userId: key.userId,
      sessionId: key.sessionId,
      state: mergeState({
        app: row.app_state === null ? {} : (JSON.parse(row.app_state) as SessionState),
        user: row.user_state === null ? {} : (JSON.parse(row.user_state) as SessionState),
        session: JSON.parse(row.state) as SessionState,
      }),
      lastSeq,
      compactionSeq: row.compaction_seq === null ? null : Number(row.compaction_seq),
      createdAt: toDate(row.created_at),
      updatedAt: toDate(row.updated_at),
    };
  }

  /** Remembers a session version (least recently used entries go first). */
  private remember(key: SessionKey, version: SessionVersion): void {
    const id = cacheKey(key);
    this.versions.delete(id);
    this.versions.set(id, version);
    if (this.versions.size > cacheSize) {
      const oldest = this.versions.keys().next().value;
      if (oldest !== undefined) this.versions.delete(oldest);
    }
  }

  /** Runs reads of one statement (or a statement and its follow-up check) on the driver. */
  private read<T>(work: (runner: Runner) => Promise<T>): Promise<T> {
    return work(this.driver);
  }

  /** Runs work in one transaction (on SQLite holding the write lock from the start). */
  private write<T>(work: (tx: Runner) => Promise<T>): Promise<T> {
    return this.driver.transaction(work);
  }

  /**
   * Runs statements that need no reads in between as one transaction, all or nothing, at about the cost
   * of the statements alone (on SQLite synchronously, so nothing else of the process runs in between).
   */
  private writeBatch(statements: Sql[]): Promise<number[]> {
    return this.driver.batch(statements.map((statement) => this.dialect.render(statement)));
  }

  private query<T>(runner: Runner, statement: Sql): Promise<T[]> {
    const { text, values } = this.dialect.render(statement);
    return runner.query<T>(text, values);
  }

  private execute(runner: Runner, statement: Sql): Promise<number> {
    const { text, values } = this.dialect.render(statement);
    return runner.execute(text, values);
  }
}

type Prefixed<T> = { [K in keyof T as `c_${string & K}`]: T[K] | null };

function unprefix(row: Prefixed<EventRow>): EventRow {
  return {
    seq: row.c_seq as number,
    id: row.c_id as string,
    invocation_id: row.c_invocation_id as string,
    author: row.c_author as string,
    message_id: row.c_message_id,
    content: row.c_content,
    actions: row.c_actions,
    usage: row.c_usage,
    timestamp: row.c_timestamp as Date,
  };
}

/**
 * The SessionEvent of a row, built in one step: histories are read thousands of rows at a time, and the
 * driver's values are already fresh (nothing else holds them), so nothing needs copying twice.
 */
function sessionEventFromRow(row: EventRow): SessionEvent {
  return {
    seq: Number(row.seq),
    id: row.id,
    invocationId: row.invocation_id,
    author: row.author,
    messageId: row.message_id,
    content: row.content === null ? null : JSON.parse(row.content),
    actions: row.actions === null ? {} : (JSON.parse(row.actions) as SessionEvent['actions']),
    usage: row.usage === null ? null : JSON.parse(row.usage),
    timestamp: toDate(row.timestamp),
  };
}

function appendedEvent(prepared: PreparedEvent, seq: number): AppendedEvent {
  const stored = toSessionEvent({
    seq,
    id: prepared.id,
    invocationId: prepared.invocationId,
    author: prepared.author,
    messageId: prepared.messageId,
    content: prepared.content,
    actions: prepared.actions,
    usage: prepared.usage,
    timestamp: prepared.timestamp,
  });
  // The caller sees its temp: keys for the rest of the invocation; storage never does. The actions are
  // already the caller's own copy (prepareEvent made it, and nothing here keeps it).
  return { ...stored, actions: prepared.returnedActions, deduplicated: false };
}

/** Tells whether an event changes app: or user: state (read-modify-write of other rows: a transaction). */
function hasScopedDelta(prepared: PreparedEvent): boolean {
  return hasKeys(prepared.delta?.app) || hasKeys(prepared.delta?.user);
}

/** A remembered version is only worth trying if the compaction it carries could fit after it. */
function compactionFits(prepared: PreparedEvent, version: SessionVersion): boolean {
  return prepared.compaction === null || prepared.compaction.endSeq <= version.lastSeq;
}

function cacheKey(key: SessionKey): string {
  return JSON.stringify([key.appName, key.userId, key.sessionId]);
}

function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  return new Date(typeof value === 'string' || typeof value === 'number' ? value : String(value));
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
