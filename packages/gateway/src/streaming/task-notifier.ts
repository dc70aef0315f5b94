import { randomBytes } from 'node:crypto';
import {
  maxNotificationPayloadBytes,
  openNotificationChannel,
  type Logger,
  type NotificationChannel,
  type PoolConfig,
} from '@agent-mesh/shared';

/** The PostgreSQL channel gateway instances announce committed task events on. */
export const taskEventsChannel = 'agent_mesh_task_events';

/** Payloads stay well below PostgreSQL's 8000-byte limit. */
const payloadBudgetBytes = Math.min(7000, maxNotificationPayloadBytes);

/** What the notifier needs. */
export interface TaskNotifierOptions {
  /** The gateway database URL (PostgreSQL). */
  url: string;
  pool?: Partial<PoolConfig>;
  logger: Logger;
  /** Another instance committed events of a task up to `lastSeq`. */
  onAnnounced(taskId: string, lastSeq: number): void;
  /** The notification connection came back after a drop: announcements may have been missed. */
  onReconnected(): void;
  /** Channel override (tests). */
  channel?: string;
}

/** One NOTIFY payload: the sending instance and `[taskId, lastSeq]` pairs. */
interface TaskNotice {
  i: string;
  t: [string, number][];
}

/**
 * Tells other gateway instances on the same PostgreSQL database, through LISTEN/NOTIFY on a dedicated
 * connection, which tasks got new committed events (`{"i":instance,"t":[[taskId,lastSeq],…]}`, a few
 * hundred bytes), and hands their announcements to the follower. Announcements made while a NOTIFY is
 * in flight are coalesced per task (only the newest seq matters) and packed into as few payloads as
 * fit; the instance's own notifications are ignored.
 */
export class TaskNotifier {
  private readonly instance = randomBytes(6).toString('hex');
  private readonly pending = new Map<string, number>();
  private flushing = false;
  private channel: NotificationChannel | undefined;
  private failureLogged = false;

  private constructor(private readonly options: TaskNotifierOptions) {}

  /** Opens the notification connection and starts listening; DATABASE_UNAVAILABLE when it cannot. */
  static async open(options: TaskNotifierOptions): Promise<TaskNotifier> {
    const notifier = new TaskNotifier(options);
    notifier.channel = await openNotificationChannel({
      url: options.url,
      channel: options.channel ?? taskEventsChannel,
      logger: options.logger,
      ...(options.pool ? { pool: options.pool } : {}),
      onNotification: (payload) => notifier.receive(payload),
      onListening: ({ reconnected }) => {
        if (!reconnected) return;
        options.onReconnected();
        notifier.flush();
      },
    });
    return notifier;
  }

  /** Announces that this instance committed events of a task up to `lastSeq`. */
  announce(taskId: string, lastSeq: number): void {
    const known = this.pending.get(taskId) ?? 0;
    if (lastSeq > known) this.pending.set(taskId, lastSeq);
    this.flush();
  }

  /** Stops listening and closes the connection. */
  async close(): Promise<void> {
    await this.channel?.close();
  }

  private flush(): void {
    if (this.flushing || this.pending.size === 0 || !this.channel) return;
    this.flushing = true;
    void this.flushLoop().finally(() => {
      this.flushing = false;
    });
  }

  private async flushLoop(): Promise<void> {
    const channel = this.channel;
    if (!channel) return;
    while (this.pending.size > 0) {
      const entries = [...this.pending.entries()];
      this.pending.clear();
      for (const payload of packPayloads(this.instance, entries)) {
        try {
          await channel.notify(payload);
          this.failureLogged = false;
        } catch (error) {
          // Keep what was not sent; it goes out with the next announcement or after the reconnect.
          for (const [taskId, seq] of entries) {
            if (seq > (this.pending.get(taskId) ?? 0)) this.pending.set(taskId, seq);
          }
          if (!this.failureLogged) {
            this.failureLogged = true;
            this.options.logger.warn(
              { err: error },
              'could not announce reply progress to other gateway instances; they catch up by polling',
            );
          }
          return;
        }
      }
    }
  }

  private receive(payload: string): void {
    let notice: TaskNotice;
    try {
      notice = JSON.parse(payload) as TaskNotice;
    } catch {
      this.options.logger.debug({ payload }, 'ignored a malformed task notification');
      return;
    }
    if (notice.i === this.instance || !Array.isArray(notice.t)) return;
    for (const entry of notice.t) {
      if (!Array.isArray(entry)) continue;
      const [taskId, seq] = entry;
      if (typeof taskId === 'string' && typeof seq === 'number')
        this.options.onAnnounced(taskId, seq);
    }
  }
}

/** Packs `[taskId, seq]` pairs into JSON payloads that each stay within the byte budget. */
export function packPayloads(instance: string, entries: readonly [string, number][]): string[] {
  const payloads: string[] = [];
  let batch: [string, number][] = [];
  let size = 0;
  const overhead = Buffer.byteLength(JSON.stringify({ i: instance, t: [] }), 'utf8');
  for (const entry of entries) {
    const entrySize = Buffer.byteLength(JSON.stringify(entry), 'utf8') + 1;
    if (batch.length > 0 && overhead + size + entrySize > payloadBudgetBytes) {
      payloads.push(JSON.stringify({ i: instance, t: batch }));
      batch = [];
      size = 0;
    }
    batch.push(entry);
    size += entrySize;
  }
  if (batch.length > 0) payloads.push(JSON.stringify({ i: instance, t: batch }));
  return payloads;
}
