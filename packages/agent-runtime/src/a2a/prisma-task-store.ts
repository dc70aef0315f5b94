import { Task, TaskState, type ListTasksRequest, type ListTasksResponse } from '@a2a-js/sdk';
import type { ServerCallContext, TaskStore } from '@a2a-js/sdk/server';
import type { AgentPrismaClient, Logger } from '@agent-mesh/shared';
import { copyTask } from './copy-task.js';

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

/** Options of a PrismaTaskStore. */
export interface PrismaTaskStoreOptions {
  /** How long a save that changes only artifacts may wait before it is written (default 250 ms). */
  flushDelayMs?: number;
  logger: Logger;
}

/**
 * A2A TaskStore on the agent database's `a2a_tasks` table, scoped by app name, so tasks/get answers
 * after a restart. A save that changes the task state is written before it returns; saves that only
 * append streamed artifact chunks are coalesced (at most one write per flushDelayMs per task), since
 * the SDK saves the whole task on every chunk. Loads of running tasks are served from memory.
 */
export class PrismaTaskStore implements TaskStore {
  private readonly live = new Map<string, LiveTask>();
  private readonly flushDelayMs: number;

  constructor(
    private readonly client: AgentPrismaClient,
    private readonly appName: string,
    private readonly options: PrismaTaskStoreOptions,
  ) {
    this.flushDelayMs = options.flushDelayMs ?? 250;
  }

  async save(task: Task, _context: ServerCallContext): Promise<void> {
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
    entry.task = copyTask(task);
    entry.version += 1;
    const state = task.status?.state;
    if (state !== entry.writtenState || (state !== undefined && terminalStates.has(state))) {
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
    const row = await this.client.a2aTask.findFirst({
      where: { id: taskId, appName: this.appName },
    });
    return row === null ? undefined : Task.fromJSON(JSON.parse(row.data));
  }

  async list(params: ListTasksRequest, _context: ServerCallContext): Promise<ListTasksResponse> {
    const pageSize = params.pageSize ?? 50;
    const offset = params.pageToken ? Number.parseInt(params.pageToken, 10) || 0 : 0;
    await this.flushAll();
    const rows = await this.client.a2aTask.findMany({
      where: {
        appName: this.appName,
        ...(params.contextId ? { contextId: params.contextId } : {}),
      },
      orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
    });
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
    const result = await this.client.a2aTask.deleteMany({
      where: { appName: this.appName, contextId },
    });
    return result.count;
  }

  /** Writes every pending update; call before closing the database. */
  async flushAll(): Promise<void> {
    await Promise.all([...this.live.values()].map((entry) => this.flush(entry)));
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
    const updated = await this.client.a2aTask.updateMany({
      where: { id: task.id, appName: this.appName },
      data: { data, contextId: task.contextId, updatedAt: new Date() },
    });
    if (updated.count === 0) {
      await this.client.a2aTask.create({
        data: { id: task.id, appName: this.appName, contextId: task.contextId, data },
      });
    }
    entry.writtenVersion = version;
    entry.writtenState = task.status?.state;
    const state = task.status?.state;
    if (entry.version === version && state !== undefined && terminalStates.has(state)) {
      this.live.delete(task.id);
    }
  }
}
