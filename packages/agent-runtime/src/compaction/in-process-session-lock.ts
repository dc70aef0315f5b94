import type { SessionKey } from '../sessions/session-service.js';
import { defaultLockTimings, lockWaitTimeout, type SessionLock } from './session-lock.js';

/**
 * A session lock that holds within this process only: for the memory session service (whose data lives in
 * one process anyway), and in front of a database lock so one process never ties up two connections
 * waiting for the same session. Waiters are served in arrival order.
 */
export class InProcessSessionLock implements SessionLock {
  readonly kind = 'memory' as const;
  /** key → a promise that settles when the newest holder or waiter of that key is done. */
  private readonly tails = new Map<string, Promise<void>>();
  private readonly waitTimeoutMs: number;

  constructor(options: { waitTimeoutMs?: number } = {}) {
    this.waitTimeoutMs = options.waitTimeoutMs ?? defaultLockTimings.waitTimeoutMs;
  }

  async withLock<T>(key: SessionKey, action: () => Promise<T>): Promise<T> {
    const id = JSON.stringify([key.appName, key.userId, key.sessionId]);
    const previous = this.tails.get(id) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.tails.set(id, tail);
    try {
      await waitAtMost(previous, this.waitTimeoutMs);
    } catch {
      // Give up, but keep the queue in order: our turn passes on once the holder before us is done.
      void previous.then(release);
      this.forget(id, tail);
      throw lockWaitTimeout(key, this.waitTimeoutMs);
    }
    try {
      return await action();
    } finally {
      release();
      this.forget(id, tail);
    }
  }

  /** Drops the entry of a key once nobody queued behind this holder, so the map does not grow. */
  private forget(id: string, tail: Promise<void>): void {
    void tail.then(() => {
      if (this.tails.get(id) === tail) this.tails.delete(id);
    });
  }
}

async function waitAtMost(promise: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('lock wait timed out')), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
