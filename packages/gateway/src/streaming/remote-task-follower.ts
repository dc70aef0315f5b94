import type { Logger } from '@agent-mesh/shared';
import type { GatewayStore } from '../store/gateway-store.js';
import type { TaskEventFeed } from './task-event-feed.js';

/** What the follower needs; times in milliseconds. */
export interface RemoteTaskFollowerOptions {
  store: GatewayStore;
  feed: TaskEventFeed;
  logger: Logger;
  /** Tasks this process streams itself are published by its own recorder and never read back. */
  isRunningHere: (taskId: string) => boolean;
  /**
   * How often every followed task is checked for new events (one query for all of them): the whole
   * mechanism when polling, a safety net behind LISTEN/NOTIFY. 0 disables the timer.
   */
  pollIntervalMs: number;
}

interface FollowedTask {
  /** Every event up to this seq was delivered to the feed (or is covered by the subscribers' replay). */
  cursor: number;
  fetching: boolean;
  /** Fetch once more when the current fetch ends (new events were announced meanwhile). */
  again: boolean;
}

/**
 * Feeds this gateway's TaskEventFeed with the events of replies another gateway instance is recording
 * into the shared database: for each task someone here subscribed to and this process does not stream,
 * it reads the stored events after the last one it delivered — when told that the task progressed
 * (`announce`, from LISTEN/NOTIFY) and on a timer (polling) — and delivers them in seq order, at most one
 * read per task at a time, so subscribers get no gap and (after their own de-duplication) no repeat.
 */
export class RemoteTaskFollower {
  private readonly followed = new Map<string, FollowedTask>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: RemoteTaskFollowerOptions) {}

  /** Starts the poll timer (if any). */
  start(): void {
    if (this.options.pollIntervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.options.pollIntervalMs);
    this.timer.unref();
  }

  /** Stops the timer and forgets every task. */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.followed.clear();
  }

  /** Number of tasks followed now (for tests and metrics). */
  get followedCount(): number {
    return this.followed.size;
  }

  /**
   * A subscriber here wants a task's events after `fromSeq`. The cursor only moves down (a later
   * subscriber that has less makes the follower read from there again), never up: events at or below
   * the cursor were committed before this subscriber read its stored tail, so it has them.
   */
  watch(taskId: string, fromSeq: number): void {
    if (this.closed) return;
    const existing = this.followed.get(taskId);
    if (existing) {
      if (fromSeq < existing.cursor) {
        existing.cursor = fromSeq;
        this.fetch(taskId);
      }
      return;
    }
    this.followed.set(taskId, { cursor: fromSeq, fetching: false, again: false });
    this.fetch(taskId);
  }

  /** Nobody here listens to the task any more. */
  unwatch(taskId: string): void {
    this.followed.delete(taskId);
  }

  /** Another instance committed events of a task up to `lastSeq`. */
  announce(taskId: string, lastSeq: number): void {
    const task = this.followed.get(taskId);
    if (task && lastSeq > task.cursor) this.fetch(taskId);
  }

  /**
   * Checks every followed task that is not streamed here for new events with one query, then reads those
   * that progressed. Used by the timer and after a lost notification connection came back.
   */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    const ids = [...this.followed.keys()].filter((id) => !this.options.isRunningHere(id));
    if (ids.length === 0) return;
    let seqs: Map<string, number>;
    try {
      seqs = await this.options.store.getLastEventSeqs(ids);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not poll the progress of replies');
      return;
    }
    for (const [id, seq] of seqs) this.announce(id, seq);
  }

  private fetch(taskId: string): void {
    const task = this.followed.get(taskId);
    if (!task || this.options.isRunningHere(taskId)) return;
    if (task.fetching) {
      task.again = true;
      return;
    }
    task.fetching = true;
    void this.fetchLoop(taskId, task).finally(() => {
      task.fetching = false;
    });
  }

  private async fetchLoop(taskId: string, task: FollowedTask): Promise<void> {
    do {
      task.again = false;
      const from = task.cursor;
      let events;
      try {
        events = await this.options.store.listTaskEvents(taskId, from);
      } catch (error) {
        // The next poll or announcement reads again from the same cursor.
        this.options.logger.warn({ err: error, taskId }, 'could not read the events of a reply');
        return;
      }
      if (this.followed.get(taskId) !== task) return;
      if (task.cursor !== from) {
        // A subscriber with less joined meanwhile: read again from its position instead.
        task.again = true;
        continue;
      }
      const last = events[events.length - 1];
      if (last) {
        task.cursor = last.seq;
        this.options.feed.deliver(taskId, events);
      }
    } while (task.again && this.followed.get(taskId) === task);
  }
}
