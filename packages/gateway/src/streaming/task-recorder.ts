import type { Logger } from '@agent-mesh/shared';
import type {
  CompactionNote,
  FinalTaskStatus,
  GatewayStore,
  SequencedTaskEvent,
  TaskRecord,
  TaskUsage,
} from '../store/gateway-store.js';
import type { TaskEventFeed } from './task-event-feed.js';
import type { TaskStreamEvent } from './task-stream-event.js';

/** How often the recorder writes: at most every `flushIntervalMs`, sooner when many events wait. */
export interface TaskRecorderOptions {
  /** Delay between the first unsaved event and the write (default 50 ms). */
  flushIntervalMs?: number;
  /** Write at once when this many events wait (default 32). */
  maxPendingEvents?: number;
  /** Pause before retrying a failed write (default 250 ms, doubled up to 5 s). */
  retryDelayMs?: number;
  /** Attempts of the final write before giving up (default 8). */
  finalWriteAttempts?: number;
  logger: Logger;
  now?: () => Date;
}

/** The final state of a reply. */
export interface TaskOutcome {
  status: FinalTaskStatus;
  usage?: TaskUsage;
  error?: string;
  /** Set when the agent compacted its context during the turn. */
  compaction?: CompactionNote;
}

/**
 * Records one running reply into the store as it streams: events are numbered in arrival order
 * (consecutive text chunks waiting for the same write are merged), the accumulated text is written with
 * them in one transaction every ~50 ms, and each committed batch is published to the live feed. The final
 * write (`finish`) adds `message-end` with the full text, status and usage, and is retried until it lands.
 */
export class TaskRecorder {
  private seq: number;
  private accumulated: string;
  private metadata: Record<string, unknown>;
  private metadataDirty = false;
  private pending: TaskStreamEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  private detachedListener: (() => void) | undefined;
  private finalRecord: TaskRecord | undefined;
  private readonly flushIntervalMs: number;
  private readonly maxPendingEvents: number;
  private readonly retryDelayMs: number;
  private readonly finalWriteAttempts: number;
  private readonly now: () => Date;

  constructor(
    private readonly store: GatewayStore,
    private readonly feed: TaskEventFeed,
    readonly task: TaskRecord,
    private readonly options: TaskRecorderOptions,
  ) {
    this.seq = task.lastEventSeq;
    this.accumulated = task.responseText;
    this.metadata = { ...task.metadata };
    this.flushIntervalMs = options.flushIntervalMs ?? 50;
    this.maxPendingEvents = options.maxPendingEvents ?? 32;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.finalWriteAttempts = options.finalWriteAttempts ?? 8;
    this.now = options.now ?? (() => new Date());
  }

  /** The reply text received so far. */
  get text(): string {
    return this.accumulated;
  }

  /** True once the final state was written, or the task turned out to be closed by someone else. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The task as its final write stored it (once `finish` wrote it), so no read is needed. */
  get final(): TaskRecord | undefined {
    return this.finalRecord;
  }

  /** Called once when a write finds the task no longer running (canceled or deleted elsewhere). */
  onDetached(listener: () => void): void {
    this.detachedListener = listener;
  }

  /** Adds a chunk of reply text. */
  appendText(text: string): void {
    if (this.closed || text.length === 0) return;
    this.accumulated += text;
    this.enqueue({ type: 'message-delta', text });
  }

  /** Replaces the reply so far (the agent restarted its answer). */
  replaceText(text: string): void {
    if (this.closed || text === this.accumulated) return;
    this.accumulated = text;
    this.enqueue({ type: 'message-delta', text, replace: true });
  }

  /** Records a status change reported by the agent (working, input-required...). */
  recordStatus(state: string, message?: string): void {
    if (this.closed) return;
    this.enqueue(
      message ? { type: 'status-update', state, message } : { type: 'status-update', state },
    );
  }

  /** Merges values into the task's metadata (written with the next batch). */
  updateMetadata(values: Record<string, unknown>): void {
    this.metadata = { ...this.metadata, ...values };
    this.metadataDirty = true;
  }

  /** Touches the task's row (its updatedAt) so other gateway instances see it is still being streamed. */
  heartbeat(): void {
    if (this.closed) return;
    this.metadataDirty = true;
    void this.flush();
  }

  /** Writes what is waiting now instead of at the next tick. */
  flush(): Promise<void> {
    this.clearTimer();
    this.writing = this.writing.then(() => this.writePending());
    return this.writing;
  }

  /**
   * Writes the final state: `message-end` with the full text, status, usage and error. Returns false when
   * the task had already been closed (then nothing is written).
   */
  async finish(outcome: TaskOutcome): Promise<boolean> {
    if (this.closed) return false;
    this.clearTimer();
    const end: TaskStreamEvent = {
      type: 'message-end',
      status: outcome.status,
      text: this.accumulated,
      ...(outcome.usage ? { usage: outcome.usage } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
      ...(outcome.compaction ? { compaction: outcome.compaction } : {}),
    };
    this.pending.push(end);
    let written = false;
    const write = this.writing.then(async () => {
      written = await this.writeFinal(outcome);
    });
    this.writing = write.catch(() => undefined);
    await write;
    return written;
  }

  private enqueue(event: TaskStreamEvent): void {
    this.pending.push(event);
    if (this.pending.length >= this.maxPendingEvents) {
      void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.flushIntervalMs);
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Writes pending events; on failure keeps them and schedules another try. Never throws. */
  private async writePending(): Promise<void> {
    if (this.closed || (this.pending.length === 0 && !this.metadataDirty)) return;
    const batch = this.takeBatch();
    try {
      const saved = await this.store.saveTaskProgress(this.task.id, {
        events: batch,
        responseText: this.accumulated,
        lastEventSeq: this.seq,
        ...(this.metadataDirty ? { metadata: this.metadata } : {}),
        now: this.now(),
      });
      this.metadataDirty = false;
      if (!saved) {
        this.detach();
        return;
      }
      this.feed.publish(this.task.id, batch);
    } catch (error) {
      this.restoreBatch(batch);
      this.options.logger.warn(
        { err: error, taskId: this.task.id },
        'could not save reply progress; retrying',
      );
      if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          void this.flush();
        }, this.retryDelayMs);
      }
    }
  }

  private async writeFinal(outcome: TaskOutcome): Promise<boolean> {
    if (this.closed) return false;
    const batch = this.takeBatch();
    let delay = this.retryDelayMs;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const now = this.now();
        const final = {
          responseText: this.accumulated,
          lastEventSeq: this.seq,
          metadata: this.metadata,
          status: outcome.status,
          usage: outcome.usage ?? null,
          error: outcome.error ?? null,
        };
        const saved = await this.store.saveTaskProgress(this.task.id, {
          ...final,
          events: batch,
          now,
        });
        if (!saved) {
          this.detach();
          return false;
        }
        this.closed = true;
        this.finalRecord = { ...this.task, ...final, updatedAt: now, completedAt: now };
        this.feed.publish(this.task.id, batch);
        return true;
      } catch (error) {
        if (attempt >= this.finalWriteAttempts) {
          this.options.logger.error(
            { err: error, taskId: this.task.id },
            'could not save the final state of a reply; it will show as interrupted after a restart',
          );
          this.closed = true;
          throw error;
        }
        this.options.logger.warn(
          { err: error, taskId: this.task.id, attempt },
          'retrying final write',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
  }

  /** Numbers the pending events, merging consecutive text chunks into one. */
  private takeBatch(): SequencedTaskEvent[] {
    const merged: TaskStreamEvent[] = [];
    for (const event of this.pending) {
      const last = merged[merged.length - 1];
      if (event.type === 'message-delta' && last?.type === 'message-delta') {
        // A replacement voids the chunk before it; a chunk after a replacement extends it.
        merged[merged.length - 1] = event.replace
          ? event
          : { ...last, text: last.text + event.text };
      } else {
        merged.push(event);
      }
    }
    this.pending = [];
    return merged.map((event) => ({ seq: ++this.seq, event }));
  }

  private restoreBatch(batch: SequencedTaskEvent[]): void {
    this.seq -= batch.length;
    this.pending = [...batch.map((item) => item.event), ...this.pending];
  }

  private detach(): void {
    this.closed = true;
    this.pending = [];
    this.clearTimer();
    this.detachedListener?.();
  }
}
