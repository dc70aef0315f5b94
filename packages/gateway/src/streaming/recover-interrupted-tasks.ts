import type { Logger } from '@agent-mesh/shared';
import type { GatewayStore } from '../store/gateway-store.js';
import type { TaskEventFeed } from './task-event-feed.js';
import { TaskRecorder } from './task-recorder.js';

/** Which running tasks count as orphaned; times in milliseconds. */
export interface RecoverInterruptedTasksOptions {
  store: GatewayStore;
  feed: TaskEventFeed;
  logger: Logger;
  /** This gateway instance: its own running tasks are orphaned as soon as it starts. */
  gatewayId: string;
  /** Tasks streamed by this process right now are left alone. */
  isRunningHere: (taskId: string) => boolean;
  /** Tasks of other instances are orphaned when they have not progressed for this long (default 120 s). */
  staleAfterMs?: number;
  /**
   * Only close stale tasks of other instances, not this instance's own (the periodic check while
   * running, when this instance's tasks are either streaming or just being started).
   */
  othersOnly?: boolean;
  now?: () => Date;
}

/**
 * Closes replies whose gateway died mid-stream: each task still `running` in the database that this
 * instance started before a restart (or that no instance has touched for `staleAfterMs`) becomes
 * `interrupted`, keeping its partial text and getting a final `message-end` event. Returns their ids.
 */
export async function recoverInterruptedTasks(
  options: RecoverInterruptedTasksOptions,
): Promise<string[]> {
  const now = options.now ?? (() => new Date());
  const staleAfterMs = options.staleAfterMs ?? 120_000;
  const recovered: string[] = [];
  for (const task of await options.store.listRunningTasks()) {
    if (options.isRunningHere(task.id)) continue;
    const ours = task.metadata.gatewayId === options.gatewayId;
    const stale = now().getTime() - task.updatedAt.getTime() >= staleAfterMs;
    if (ours ? options.othersOnly === true : !stale) continue;
    const recorder = new TaskRecorder(options.store, options.feed, task, {
      logger: options.logger,
      now,
    });
    const closed = await recorder.finish({
      status: 'interrupted',
      error:
        'The gateway stopped before the reply was complete; the text so far is kept. Retry to send the message again.',
    });
    if (closed) recovered.push(task.id);
  }
  if (recovered.length > 0) {
    options.logger.warn(
      { tasks: recovered },
      `marked ${recovered.length} cut-off replies as interrupted`,
    );
  }
  return recovered;
}
