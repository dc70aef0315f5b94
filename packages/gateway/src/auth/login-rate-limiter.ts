import type { GatewayLoginRateLimitConfig } from '@agent-mesh/shared';

/** Options of the limiter; `now` lets tests move the clock. */
export interface LoginRateLimiterOptions extends GatewayLoginRateLimitConfig {
  now?: () => number;
  /** Most keys remembered; the oldest are forgotten first (default 50 000). */
  maxKeys?: number;
}

/**
 * Counts failed sign-ins per username and per client address in a sliding window, in this process's
 * memory: once either reaches its limit, further attempts are refused until the oldest counted
 * failure leaves the window. Several gateway instances each count their own (documented in
 * docs/api.md).
 */
export class LoginRateLimiter {
  /** Failure times per key, oldest first, at most the key's limit. */
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;
  private readonly windowMs: number;
  private readonly maxKeys: number;

  constructor(private readonly options: LoginRateLimiterOptions) {
    this.now = options.now ?? Date.now;
    this.windowMs = options.window_seconds * 1000;
    this.maxKeys = options.maxKeys ?? 50_000;
  }

  /**
   * Milliseconds until a sign-in as `username` from `address` may be tried again; 0 when it may
   * now.
   */
  retryAfterMs(username: string, address: string): number {
    return Math.max(
      this.blockedFor(userKey(username), this.options.max_failures_per_user),
      this.blockedFor(addressKey(address), this.options.max_failures_per_ip),
    );
  }

  /** Counts a failed sign-in against the username and the address. */
  recordFailure(username: string, address: string): void {
    this.add(userKey(username), this.options.max_failures_per_user);
    this.add(addressKey(address), this.options.max_failures_per_ip);
  }

  /**
   * Forgets the username's failures after a successful sign-in. The address keeps its count, so one
   * valid account cannot be used to reset the limit while guessing the passwords of others.
   */
  recordSuccess(username: string): void {
    this.failures.delete(userKey(username));
  }

  private blockedFor(key: string, limit: number): number {
    const times = this.recent(key);
    if (times.length < limit) return 0;
    const oldest = times[times.length - limit] ?? 0;
    return Math.max(1, oldest + this.windowMs - this.now());
  }

  private add(key: string, limit: number): void {
    const times = this.recent(key);
    times.push(this.now());
    if (times.length > limit) times.splice(0, times.length - limit);
    // Re-insert so the Map's order is least recently failed first, then bound its size.
    this.failures.delete(key);
    this.failures.set(key, times);
    while (this.failures.size > this.maxKeys) {
      const first = this.failures.keys().next();
      if (first.done === true) break;
      this.failures.delete(first.value);
    }
  }

  /** The key's failures still inside the window (expired ones are dropped). */
  private recent(key: string): number[] {
    const times = this.failures.get(key);
    if (times === undefined) return [];
    const since = this.now() - this.windowMs;
    const kept = times.filter((time) => time > since);
    if (kept.length === 0) this.failures.delete(key);
    else if (kept.length !== times.length) this.failures.set(key, kept);
    return kept;
  }
}

function userKey(username: string): string {
  return `user\u0000${username}`;
}

function addressKey(address: string): string {
  return `ip\u0000${address}`;
}
