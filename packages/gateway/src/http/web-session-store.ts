import session, { type SessionData } from 'express-session';
import type { Logger } from '@agent-mesh/shared';
import type { GatewayStore } from '../store/gateway-store.js';

/** Options of the express-session store; times in milliseconds. */
export interface WebSessionStoreOptions {
  logger: Logger;
  /** Lifetime of a record without a cookie expiry (default 30 days). */
  defaultTtlMs?: number;
  /** How often expired records are removed (default 1 h; 0 disables the timer). */
  cleanupIntervalMs?: number;
  /** A touch moves the expiry only when it would move by more than this (default 1 h), saving writes. */
  touchThresholdMs?: number;
  now?: () => number;
}

/**
 * The express-session store on the gateway store's web_sessions records: in `sql` mode browser sessions
 * (and so the anonymous user id) survive restarts and are shared by every gateway instance; in `memory`
 * mode they live as long as the process. Records expire with their cookie and are pruned periodically.
 */
export class WebSessionStore extends session.Store {
  private readonly timer: NodeJS.Timeout | undefined;
  /** Expiry last written per session id, so touches within the threshold skip the write. */
  private readonly writtenExpiry = new Map<string, number>();
  private readonly defaultTtlMs: number;
  private readonly touchThresholdMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: GatewayStore,
    private readonly options: WebSessionStoreOptions,
  ) {
    super();
    this.defaultTtlMs = options.defaultTtlMs ?? 30 * 24 * 3600_000;
    this.touchThresholdMs = options.touchThresholdMs ?? 3600_000;
    this.now = options.now ?? Date.now;
    const interval = options.cleanupIntervalMs ?? 3600_000;
    if (interval > 0) {
      this.timer = setInterval(() => void this.prune(), interval);
      this.timer.unref();
    }
  }

  override get(
    sid: string,
    callback: (error: unknown, session?: SessionData | null) => void,
  ): void {
    this.store.getWebSession(sid, new Date(this.now())).then(
      (record) => {
        if (!record) return callback(null, null);
        try {
          callback(null, JSON.parse(record.data) as SessionData);
        } catch {
          // A damaged record is as good as none: the browser gets a fresh session.
          callback(null, null);
        }
      },
      (error: unknown) => callback(error),
    );
  }

  override set(sid: string, data: SessionData, callback?: (error?: unknown) => void): void {
    const expiresAt = this.expiryOf(data);
    this.remember(sid, expiresAt);
    this.store.setWebSession(sid, { data: JSON.stringify(data), expiresAt }).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.writtenExpiry.delete(sid);
    this.store.destroyWebSession(sid).then(
      () => callback?.(),
      (error: unknown) => callback?.(error),
    );
  }

  override touch(sid: string, data: SessionData, callback?: () => void): void {
    const expiresAt = this.expiryOf(data);
    // Every request touches the session; write only when the expiry moved by more than the threshold.
    const written = this.writtenExpiry.get(sid);
    if (written !== undefined && expiresAt.getTime() - written < this.touchThresholdMs) {
      callback?.();
      return;
    }
    this.remember(sid, expiresAt);
    this.store.touchWebSession(sid, expiresAt).then(
      () => callback?.(),
      (error: unknown) => {
        this.options.logger.warn({ err: error }, 'could not extend a browser session');
        callback?.();
      },
    );
  }

  /** Removes expired records now; returns how many. */
  async prune(): Promise<number> {
    try {
      return await this.store.pruneWebSessions(new Date(this.now()));
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not remove expired browser sessions');
      return 0;
    }
  }

  /** Stops the cleanup timer. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private remember(sid: string, expiresAt: Date): void {
    // Bounded: forgetting only costs one extra write.
    if (this.writtenExpiry.size >= 10_000) this.writtenExpiry.clear();
    this.writtenExpiry.set(sid, expiresAt.getTime());
  }

  private expiryOf(data: SessionData): Date {
    const expires = data.cookie?.expires;
    if (expires) {
      const time = new Date(expires).getTime();
      if (!Number.isNaN(time)) return new Date(time);
    }
    return new Date(this.now() + this.defaultTtlMs);
  }
}
