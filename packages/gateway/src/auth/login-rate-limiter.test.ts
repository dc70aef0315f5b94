import { describe, expect, it } from 'vitest';
import { LoginRateLimiter } from './login-rate-limiter.js';

function limiter(start = 1_000_000) {
  const clock = { now: start };
  const instance = new LoginRateLimiter({
    max_failures_per_user: 3,
    max_failures_per_ip: 5,
    window_seconds: 60,
    now: () => clock.now,
  });
  return { clock, instance };
}

describe('LoginRateLimiter', () => {
  it('blocks a username after its limit until the oldest failure leaves the window', () => {
    const { clock, instance } = limiter();
    instance.recordFailure('alice', '10.0.0.1');
    clock.now += 10_000;
    instance.recordFailure('alice', '10.0.0.2');
    instance.recordFailure('alice', '10.0.0.3');
    expect(instance.retryAfterMs('alice', '10.0.0.9')).toBe(50_000);
    expect(instance.retryAfterMs('bob', '10.0.0.9')).toBe(0);
    clock.now += 49_999;
    expect(instance.retryAfterMs('alice', '10.0.0.9')).toBe(1);
    clock.now += 1;
    // The first failure left the window; the other two are still counted.
    expect(instance.retryAfterMs('alice', '10.0.0.9')).toBe(0);
    instance.recordFailure('alice', '10.0.0.9');
    // Three failures in the window again: blocked until the oldest of them (at +10 s) expires.
    expect(instance.retryAfterMs('alice', '10.0.0.9')).toBe(10_000);
  });

  it('blocks an address trying many usernames', () => {
    const { instance } = limiter();
    for (const name of ['a', 'b', 'c', 'd', 'e']) instance.recordFailure(name, '10.0.0.1');
    expect(instance.retryAfterMs('f', '10.0.0.1')).toBe(60_000);
    expect(instance.retryAfterMs('f', '10.0.0.2')).toBe(0);
  });

  it('forgets the username after a success but keeps the address count', () => {
    const { instance } = limiter();
    for (const name of ['alice', 'alice', 'bob', 'bob']) instance.recordFailure(name, '10.0.0.1');
    instance.recordSuccess('alice');
    instance.recordFailure('alice', '10.0.0.2');
    expect(instance.retryAfterMs('alice', '10.0.0.3')).toBe(0);
    instance.recordFailure('carol', '10.0.0.1');
    expect(instance.retryAfterMs('alice', '10.0.0.1')).toBe(60_000);
  });

  it('remembers a bounded number of keys', () => {
    const clock = { now: 0 };
    const instance = new LoginRateLimiter({
      max_failures_per_user: 1,
      max_failures_per_ip: 100,
      window_seconds: 60,
      now: () => clock.now,
      maxKeys: 4,
    });
    instance.recordFailure('first', '10.0.0.1');
    expect(instance.retryAfterMs('first', '10.0.0.2')).toBe(60_000);
    for (const name of ['u1', 'u2', 'u3']) instance.recordFailure(name, '10.0.0.1');
    expect(instance.retryAfterMs('u3', '10.0.0.2')).toBe(60_000);
    expect(instance.retryAfterMs('first', '10.0.0.2')).toBe(0);
  });
});
