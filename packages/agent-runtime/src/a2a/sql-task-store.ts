import { Task, TaskState, type ListTasksRequest, type ListTasksResponse } from '@a2a-js/sdk';
import type { ServerCallContext, TaskStore } from '@a2a-js/sdk/server';
import {
  createSqlTemplate,
  type Logger,
  type SqlDriver,
  type SqlTemplate,
} from '@agent-mesh/shared';
import { copyTask } from './copy-task.js';
import type { NewTaskListener } from './runner-agent-executor.js';

const terminalStates = new Set<TaskState>([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
]);

interface LiveTask {
  task: Task;
  /** State of the last version written to the database (undefined: never written). */
  writtenState: TaskState | undefined;
  /** Bumped on every save, so a finished write knows whether a newer version is waiting. */
  version: number;
  writtenVersion: number;
  timer: NodeJS.Timeout | undefined;
  /** The chain of writes of this task, so they reach the database in order. */
  writing: Promise<void>;
}

/** Options of a SqlTaskStore. */
export interface SqlTaskStoreOptions {
  /** How long a save that changes only artifacts may wait before it is written (default 250 ms). */
  flushDelayMs?: number;
  logger: Logger;
}

/**
 * A2A TaskStore on the agent database's `a2a_tasks` table, scoped by app name, so tasks/get answers
 * after a restart. A save that changes the task state is written before it returns, except to
 * `submitted`; saves that only append streamed artifact chunks, or that submit a task, are coalesced
 * (at most one write per flushDelayMs per task), since the SDK saves the whole task on every chunk. Loads of running tasks are served from memory. Its
 * statements run on the database's own driver: through Prisma they cost about a fifth of the agent's
 * CPU per turn.
 */
export class SqlTaskStore implements TaskStore, NewTaskListener {
  private readonly live = new Map<string, LiveTask>();
  /** Tasks about to be created (until their first save): a load cannot find them, so it reads nothing. */
  private readonly creating = new Set<string>();
  private readonly flushDelayMs: number;
  private readonly sql: SqlTemplate;

  constructor(
    private readonly driver: SqlDriver,
    private readonly appName: string,
    private readonly options: SqlTaskStoreOptions,
  ) {
    this.flushDelayMs = options.flushDelayMs ?? 250;
    this.sql = createSqlTemplate(driver.provider);
  }

  /**
   * Says that a task with this id is being created: the SDK loads it once before its first save (to
   * merge with a stored version), which for a new task would be a query that finds nothing.
   */
  expectNew(taskId: string): void {
    // Bounded: forgetting one only costs that query.
    if (this.creating.size >= 10_000) this.creating.clear();
    this.creating.add(taskId);
  }

  async save(task: Task, _context: ServerCallContext): Promise<void> {
    this.creating.delete(task.id);
    let entry = this.live.get(task.id);
    if (entry === undefined) {
      entry = {
        task,
        writtenState: undefined,
        version: 0,
        writtenVersion: 0,
        timer: undefined,
        writing: Promise.resolve(),
      };
      this.live.set(task.id, entry);
    }
    const state = task.status?.state;
    // The SDK saves a copy it loaded and changed, and drops it at its next event; only a request's final
    // result (always a state change) may be trimmed in place afterwards. So streamed chunks, which keep
    // the state, are held as given, saving a copy of the whole task per chunk.
    const keepsState = entry.version > 0 && state === entry.task.status?.state;
    entry.task = keepsState ? task : copyTask(task);
    entry.version += 1;
    // `submitted` is always followed at once by `working` or a final state, which are written before
    // their save returns, so it waits like a chunk: one write (a round trip) less per turn.
    const waits = state === TaskState.TASK_STATE_SUBMITTED || state === entry.writtenState;
    if (!waits || (state !== undefined && terminalStates.has(state))) {
      await this.flush(entry);
      return;
    }
    entry.timer ??= setTimeout(() => {
      if (entry !== undefined) {
        this.flush(entry).catch((error: unknown) => {
          this.options.logger.error(
            { err: error, taskId: task.id },
            'could not store a task update',
          );
        });
      }
    }, this.flushDelayMs);
    entry.timer.unref();
  }

  async load(taskId: string, _context: ServerCallContext): Promise<Task | undefined> {
    const entry = this.live.get(taskId);
    if (entry !== undefined) return copyTask(entry.task);
    if (this.creating.has(taskId)) return undefined;
    const [row] = await this.query<{ data: string }>(
      this.sql`SELECT data FROM a2a_tasks WHERE id = ${taskId} AND app_name = ${this.appName}`,
    );
    return row === undefined ? undefined : Task.fromJSON(JSON.parse(row.data));
  }

  async list(params: ListTasksRequest, _context: ServerCallContext): Promise<ListTasksResponse> {
    const pageSize = params.pageSize ?? 50;
    const offset = params.pageToken ? Number.parseInt(params.pageToken, 10) || 0 : 0;
    await this.flushAll();
    const sql = this.sql;
    const rows = await this.query<{ data: string }>(
      params.contextId
        ? sql`SELECT data FROM a2a_tasks WHERE app_name = ${this.appName} AND context_id = ${params.contextId} ORDER BY updated_at DESC, id ASC`
        : sql`SELECT data FROM a2a_tasks WHERE app_name = ${this.appName} ORDER BY updated_at DESC, id ASC`,
    );
    let tasks = rows.map((row) => Task.fromJSON(JSON.parse(row.data)));
    if (params.status !== undefined && params.status !== TaskState.TASK_STATE_UNSPECIFIED) {
      tasks = tasks.filter((task) => task.status?.state === params.status);
    }
    if (params.statusTimestampAfter) {
      const after = params.statusTimestampAfter;
      tasks = tasks.filter((task) => (task.status?.timestamp ?? '') >= after);
    }
    const page = tasks.slice(offset, offset + pageSize).map((task) => {
      const copy = copyTask(task);
      if (!params.includeArtifacts) copy.artifacts = [];
      if (params.historyLength !== undefined) {
        copy.history = params.historyLength === 0 ? [] : copy.history.slice(-params.historyLength);
      }
      return copy;
    });
    const next = offset + pageSize < tasks.length ? String(offset + pageSize) : '';
    return { tasks: page, nextPageToken: next, pageSize, totalSize: tasks.length };
  }

  /**
   * Deletes the stored tasks of one context (a chat the user deleted) and returns how many there were;
   * a task still running writes itself again when it finishes.
   */
  async deleteByContext(contextId: string): Promise<number> {
    const statement = this
      .sql`DELETE FROM a2a_tasks WHERE app_name = ${this.appName} AND context_id = ${contextId}`;
    return this.driver.execute(statement.text, statement.values);
  }

  /** Writes every pending update; call before closing the database. */
  async flushAll(): Promise<void> {
    await Promise.all([...this.live.values()].map((entry) => this.flush(entry)));
  }

  private query<T>(statement: { text: string; values: unknown[] }): Promise<T[]> {
    return this.driver.query<T>(statement.text, statement.values);
  }

  private flush(entry: LiveTask): Promise<void> {
    if (entry.timer !== undefined) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    entry.writing = entry.writing.catch(() => undefined).then(() => this.write(entry));
    return entry.writing;
  }

  private async write(entry: LiveTask): Promise<void> {
    if (entry.writtenVersion === entry.version) return;
    const version = entry.version;
    const task = entry.task;
    const data = JSON.stringify(Task.toJSON(task));
    const now = new Date();
    const sql = this.sql;
    const insert = sql`INSERT INTO a2a_tasks (id, app_name, context_id, data, created_at, updated_at) VALUES (${task.id}, ${this.appName}, ${task.contextId}, ${data}, ${now}, ${now})`;
    // One statement where the database has an upsert that can check the app (a round trip on PostgreSQL).
    const write =
      this.driver.provider === 'mysql'
        ? sql`UPDATE a2a_tasks SET data = ${data}, context_id = ${task.contextId}, updated_at = ${now} WHERE id = ${task.id} AND app_name = ${this.appName}`
        : sql`${insert} ON CONFLICT (id) DO UPDATE SET data = excluded.data, context_id = excluded.context_id, updated_at = excluded.updated_at WHERE a2a_tasks.app_name = excluded.app_name`;
    if ((await this.driver.execute(write.text, write.values)) === 0) {
      // New on MySQL; elsewhere the id belongs to another app, and the insert fails as it always did.
      await this.driver.execute(insert.text, insert.values);
    }
    entry.writtenVersion = version;
    entry.writtenState = task.status?.state;
    const state = task.status?.state;
    if (entry.version === version && state !== undefined && terminalStates.has(state)) {
      this.live.delete(task.id);
    }
  }
}
