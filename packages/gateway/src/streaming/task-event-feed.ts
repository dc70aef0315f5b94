import type { SequencedTaskEvent } from '../store/gateway-store.js';

/** Receives the events of one task as they are committed to the store. */
export type TaskEventListener = (event: SequencedTaskEvent) => void;

/**
 * The in-process live feed of task events. The task recorder publishes a batch only after the store
 * committed it, so a subscriber that subscribes first and then reads the stored tail misses nothing
 * (it de-duplicates by seq).
 */
export class TaskEventFeed {
  private readonly listeners = new Map<string, Set<TaskEventListener>>();

  /** Listens to one task's events; returns the function that stops listening. */
  subscribe(taskId: string, listener: TaskEventListener): () => void {
    let set = this.listeners.get(taskId);
    if (!set) {
      set = new Set();
      this.listeners.set(taskId, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(taskId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.listeners.delete(taskId);
    };
  }

  /** Delivers committed events to the task's listeners, in seq order. */
  publish(taskId: string, events: readonly SequencedTaskEvent[]): void {
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
}
