import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { waitForDrain } from './wait-for-drain.js';

describe('waitForDrain', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves true as soon as the running work is done', async () => {
    let running = 2;
    setTimeout(() => (running = 1), 300);
    setTimeout(() => (running = 0), 700);
    const drained = waitForDrain({ running: () => running, graceMs: 5000, what: 'turns' });
    let result: boolean | undefined;
    void drained.then((value) => (result = value));
    await vi.advanceTimersByTimeAsync(650);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(100);
    expect(result).toBe(true);
  });

  it('gives up with false when the grace period ends first, or at once when it is 0', async () => {
    const drained = waitForDrain({ running: () => 1, graceMs: 1000, what: 'replies' });
    let result: boolean | undefined;
    void drained.then((value) => (result = value));
    await vi.advanceTimersByTimeAsync(999);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(51);
    expect(result).toBe(false);
    expect(await waitForDrain({ running: () => 3, graceMs: 0, what: 'turns' })).toBe(false);
    expect(await waitForDrain({ running: () => 0, graceMs: 0, what: 'turns' })).toBe(true);
  });
});
