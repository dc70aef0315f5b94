import { describe, expect, it } from 'vitest';
import { retryOnTransientConflict } from './retry-on-transient-conflict.js';

const deadlock = (): Error => Object.assign(new Error('deadlock detected'), { code: '40P01' });

describe('retryOnTransientConflict', () => {
  it('runs the work again after a transient conflict, waiting the backoff, and returns its result', async () => {
    let calls = 0;
    const waits: number[] = [];
    const result = await retryOnTransientConflict(
      () => {
        calls += 1;
        return calls < 3 ? Promise.reject(deadlock()) : Promise.resolve('done');
      },
      5,
      (attempt) => {
        waits.push(attempt);
        return 1;
      },
    );
    expect(result).toBe('done');
    expect(calls).toBe(3);
    expect(waits).toEqual([1, 2]);
  });

  it('gives up after the last attempt with the conflict', async () => {
    let calls = 0;
    await expect(
      retryOnTransientConflict(
        () => {
          calls += 1;
          return Promise.reject(deadlock());
        },
        3,
        () => 1,
      ),
    ).rejects.toThrow(/deadlock/);
    expect(calls).toBe(3);
  });

  it('throws any other error at once', async () => {
    let calls = 0;
    await expect(
      retryOnTransientConflict(
        () => {
          calls += 1;
          return Promise.reject(new Error('syntax error at or near "FORM"'));
        },
        5,
        () => 1,
      ),
    ).rejects.toThrow(/syntax/);
    expect(calls).toBe(1);
  });
});
