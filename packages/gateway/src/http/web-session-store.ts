import session, { type SessionData } from 'express-session';
import type { Logger } from '@agent-mesh/shared';
import type { GatewayStore, WebSessionRecord } from '../store/gateway-store.js';

/** Options of the express-session store; times in milliseconds. */
export interface WebSessionStoreOptions {
  logger: Logger;
  /** Lifetime of a record without a cookie expiry (default 30 days). */
  defaultTtlMs?: number;
  /** How often expired records are removed (default 1 h; 0 disables the timer). */
  cleanupIntervalMs?: number;
  /** A touch moves the expiry only when it would move by more than this (default 1 h), saving writes. */
  touchThresholdMs?: number;
  /**
   * How long a record read from the store answers again without a read (default 1 s; 0 reads every
   * time). Writes of this process update it at once; another gateway's sign-in or sign-out on the same
   * database is seen after at most this long.
   */
  readCacheMs?: number;
  now?: () => number;
}

/**
 * The express-session store on the gateway store's web_sessions records: in `sql` mode browser sessions
 * (and so the anonymous user id) survive restarts and are shared by every gateway instance; in `memory`
 * mode they live as long as the process. Records expire with their cookie and are pruned periodically.
 * A record read is kept for `readCacheMs` (1 s), so a browser's burst of requests costs one read.
 */
export class WebSessionStore extends session.Store {
  private readonly timer: NodeJS.Timeout | undefined;
  /** Expiry last written per session id, so touches within the threshold skip the write. */
  private readonly writtenExpiry = new Map<string, number>();
  private readonly defaultTtlMs: number;
  private readonly touchThresholdMs: number;
  private readonly readCacheMs: number;
  /** Records read or written lately, with when (`now()`), for readCacheMs. */
  private readonly recent = new Map<string, { record: WebSessionRecord; at: number }>();
  /** Counts writes and destroys, so a read that overlapped one is not kept (it may be older). */
  private changes = 0;
  private readonly now: () => number;

  constructor(
    private readonly store: GatewayStore,
    private readonly options: WebSessionStoreOptions,
  ) {
    super();
    this.defaultTtlMs = options.defaultTtlMs ?? 30 * 24 * 3600_000;
    this.touchThresholdMs = options.touchThresholdMs ?? 3600_000;
    this.readCacheMs = options.readCacheMs ?? 1000;
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
    const now = this.now();
    const recent = this.recent.get(sid);
    if (recent !== undefined && now - recent.at < this.readCacheMs) {
      callback(null, parseLive(recent.record, now));
      return;
    }
    const changes = this.changes;
    this.store.getWebSession(sid, new Date(now)).then(
      (record) => {
        if (record && changes === this.changes) this.keep(sid, record, now);
        callback(null, record ? parseLive(record, now) : null);
      },
      (error: unknown) => callback(error),
    );
  }

  override set(sid: string, data: SessionData, callback?: (error?: unknown) => void): void {
    const expiresAt = this.expiryOf(data);
    this.remember(sid, expiresAt);
    const record = { data: JSON.stringify(data), expiresAt };
    this.changes += 1;
    this.keep(sid, record, this.now());
    this.store.setWebSession(sid, record).then(
      () => callback?.(),
      (error: unknown) => {
        this.recent.delete(sid);
        callback?.(error);
      },
    );
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.writtenExpiry.delete(sid);
    this.changes += 1;
    this.recent.delete(sid);
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
    const recent = this.recent.get(sid);
    if (recent !== undefined) recent.record = { ...recent.record, expiresAt };
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

  private keep(sid: string, record: WebSessionRecord, at: number): void {
    if (this.readCacheMs <= 0) return;
    // Bounded: forgetting only costs one extra read.
    if (this.recent.size >= 10_000) this.recent.clear();
    this.recent.set(sid, { record, at });
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

/** The session data of a record that has not expired; null for an expired or damaged one. */
function parseLive(record: WebSessionRecord, now: number): SessionData | null {
  if (record.expiresAt.getTime() <= now) return null;
  try {
    return JSON.parse(record.data) as SessionData;
  } catch {
    // A damaged record is as good as none: the browser gets a fresh session.
    return null;
  }
}
