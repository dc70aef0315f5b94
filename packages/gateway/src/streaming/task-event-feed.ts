import type { SequencedTaskEvent } from '../store/gateway-store.js';

/** Receives the events of one task as they are committed to the store. */
export type TaskEventListener = (event: SequencedTaskEvent) => void;

/**
 * What carries the feed across gateway instances (see RemoteTaskFollower and TaskNotifier): it hears
 * when a task gains or loses listeners here and when this process committed events of a task.
 */
export interface TaskEventFeedObserver {
  /** Someone here listens to a task from `fromSeq` on (called for every subscription). */
  onWatch(taskId: string, fromSeq: number): void;
  /** Nobody here listens to the task any more. */
  onUnwatch(taskId: string): void;
  /** This process committed events of a task, the last one numbered `lastSeq`. */
  onPublish(taskId: string, lastSeq: number): void;
}

/**
 * The in-process live feed of task events. The task recorder publishes a batch only after the store
 * committed it, so a subscriber that subscribes first and then reads the stored tail misses nothing
 * (it de-duplicates by seq). Events of tasks recorded by another gateway instance arrive through
 * `deliver`, fed by the RemoteTaskFollower an observer attaches.
 */
export class TaskEventFeed {
  private readonly listeners = new Map<string, Set<TaskEventListener>>();
  private observer: TaskEventFeedObserver | undefined;

  /** Attaches the cross-instance observer (one per feed). */
  observe(observer: TaskEventFeedObserver | undefined): void {
    this.observer = observer;
  }

  /**
   * Listens to one task's events; `fromSeq` is the last seq the listener already has (it reads the
   * stored tail itself). Returns the function that stops listening.
   */
  subscribe(taskId: string, listener: TaskEventListener, fromSeq = 0): () => void {
    let set = this.listeners.get(taskId);
    if (!set) {
      set = new Set();
      this.listeners.set(taskId, set);
    }
    set.add(listener);
    this.observer?.onWatch(taskId, fromSeq);
    return () => {
      const current = this.listeners.get(taskId);
      if (!current?.delete(listener)) return;
      if (current.size === 0) {
        this.listeners.delete(taskId);
        this.observer?.onUnwatch(taskId);
      }
    };
  }

  /** Delivers events this process committed to the task's listeners, in seq order, and announces them. */
  publish(taskId: string, events: readonly SequencedTaskEvent[]): void {
    const last = events[events.length - 1];
    if (!last) return;
    this.deliver(taskId, events);
    this.observer?.onPublish(taskId, last.seq);
  }

  /** Delivers events (committed here or read from the store) to the task's listeners, in seq order. */
  deliver(taskId: string, events: readonly SequencedTaskEvent[]): void {
    const set = this.listeners.get(taskId);
    if (!set) return;
    for (const event of events) {
      for (const listener of [...set]) listener(event);
    }
  }

  /** Number of listeners of a task (for tests and metrics). */
  listenerCount(taskId: string): number {
    return this.listeners.get(taskId)?.size ?? 0;
  }

  /** The tasks that have listeners in this process. */
  watchedTasks(): string[] {
    return [...this.listeners.keys()];
  }
}
