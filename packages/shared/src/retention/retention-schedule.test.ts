import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { tryWithDatabaseLock } from '../database/database-lock.js';
import { MeshMetrics } from '../metrics/mesh-metrics.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import type { PruneResult } from './prune-types.js';
import { retentionTimings, startRetentionSchedule } from './retention-schedule.js';

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

function captureLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

function pruned(cutoff: Date, sessions: number): PruneResult {
  return { cutoff, dryRun: false, sessions, related: { events: sessions * 2 }, batches: 1 };
}

async function counterValue(metrics: MeshMetrics, name: string, labels = ''): Promise<number> {
  const text = await metrics.render();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}${labels} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

describe('startRetentionSchedule', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-31T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('prunes after the first delay, then every interval within the jitter, with the cutoff at now minus the maximum age', async () => {
    const { logger } = captureLogger();
    const calls: { at: number; cutoff: Date }[] = [];
    const randoms = [0, 1, 0.5];
    const schedule = startRetentionSchedule({
      maxAgeMs: 30 * day,
      intervalMs: hour,
      initialDelayMs: 5000,
      jitter: 0.1,
      random: () => randoms.shift() ?? 0.5,
      prune: (cutoff) => {
        calls.push({ at: Date.now(), cutoff });
        return Promise.resolve(pruned(cutoff, 0));
      },
      logger,
    });
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(4999);
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([{ at: start + 5000, cutoff: new Date(start + 5000 - 30 * day) }]);
    // random 0 → interval × 0.9, random 1 → × 1.1, random 0.5 → exactly the interval.
    await vi.advanceTimersByTimeAsync(0.9 * hour);
    await vi.advanceTimersByTimeAsync(1.1 * hour);
    await vi.advanceTimersByTimeAsync(hour);
    expect(calls.map((call) => call.at - start)).toEqual([
      5000,
      5000 + 0.9 * hour,
      5000 + 2 * hour,
      5000 + 3 * hour,
    ]);
    await schedule.stop();
    await vi.advanceTimersByTimeAsync(10 * hour);
    expect(calls).toHaveLength(4);
  });

  it('never runs two rounds at once: the next one is planned when the slow one ends', async () => {
    const { logger } = captureLogger();
    let running = 0;
    let most = 0;
    let rounds = 0;
    const schedule = startRetentionSchedule({
      maxAgeMs: day,
      intervalMs: minute,
      initialDelayMs: 0,
      jitter: 0,
      prune: async (cutoff, signal) => {
        running += 1;
        most = Math.max(most, running);
        rounds += 1;
        await new Promise((resolve) => {
          setTimeout(resolve, 3 * minute);
          signal.addEventListener('abort', resolve);
        });
        running -= 1;
        return pruned(cutoff, 1);
      },
      logger,
    });
    const manual = schedule.runNow();
    await vi.advanceTimersByTimeAsync(10 * minute);
    expect(await manual).toMatchObject({ result: 'pruned' });
    expect(most).toBe(1);
    // Rounds start at 0, 4 and 8 minutes (3 minutes each, then one interval), never overlapping.
    expect(rounds).toBe(3);
    await schedule.stop();
  });

  it('logs and counts a failed round, and runs again at the next interval', async () => {
    const { logger, lines } = captureLogger();
    const metrics = new MeshMetrics({ kind: 'gateway', processMetrics: false });
    let attempt = 0;
    const schedule = startRetentionSchedule({
      maxAgeMs: day,
      intervalMs: hour,
      initialDelayMs: 1000,
      jitter: 0,
      prune: (cutoff) => {
        attempt += 1;
        return attempt === 1
          ? Promise.reject(new Error('database is down'))
          : Promise.resolve(pruned(cutoff, 3));
      },
      logger,
      metrics,
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(lines.find((line) => line.level === 40)).toMatchObject({
      msg: 'retention: the scheduled prune failed; it runs again at the next interval',
      err: { message: 'database is down' },
    });
    await vi.advanceTimersByTimeAsync(hour);
    expect(attempt).toBe(2);
    expect(lines.find((line) => line.sessions === 3)).toMatchObject({
      level: 30,
      msg: 'retention: pruned 3 session(s) inactive for more than 1d',
      related: { events: 6 },
    });
    expect(
      await counterValue(metrics, 'agent_mesh_retention_runs_total', '{result="failed"}'),
    ).toBe(1);
    expect(
      await counterValue(metrics, 'agent_mesh_retention_runs_total', '{result="pruned"}'),
    ).toBe(1);
    expect(await counterValue(metrics, 'agent_mesh_retention_deleted_sessions_total')).toBe(3);
    await schedule.stop();
  });

  it('stop() aborts the round in progress and waits for it; timers never keep the process alive', async () => {
    const { logger } = captureLogger();
    const timeouts = vi.spyOn(globalThis, 'setTimeout');
    let signal: AbortSignal | undefined;
    const schedule = startRetentionSchedule({
      maxAgeMs: day,
      intervalMs: hour,
      initialDelayMs: 10,
      prune: (cutoff, given) => {
        signal = given;
        return new Promise<PruneResult>((resolve) =>
          given.addEventListener('abort', () => resolve(pruned(cutoff, 0))),
        );
      },
      logger,
    });
    const planned = timeouts.mock.results[0]?.value as NodeJS.Timeout;
    expect(planned.hasRef()).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(signal?.aborted).toBe(false);
    await schedule.stop();
    expect(signal?.aborted).toBe(true);
    timeouts.mockRestore();
  });

  it('turns a retention section into milliseconds', () => {
    expect(retentionTimings({ max_age_days: 30, interval: '1h' })).toEqual({
      maxAgeMs: 30 * day,
      intervalMs: hour,
    });
    expect(() => retentionTimings({ max_age_days: 1, interval: 'soon' })).toThrow(
      /retention.interval "soon" is not a duration/,
    );
  });
});

describe.each(['postgresql', 'mysql'] as const)('startRetentionSchedule on %s', (provider) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase(provider);
  });
  afterEach(async () => {
    await database.drop();
  });

  it('skips a round while another instance holds the retention lock, and prunes once it is free', async () => {
    const { logger } = captureLogger();
    let prunes = 0;
    const schedule = startRetentionSchedule({
      maxAgeMs: day,
      intervalMs: hour,
      initialDelayMs: hour,
      prune: (cutoff) => {
        prunes += 1;
        return Promise.resolve(pruned(cutoff, 0));
      },
      lock: { target: { url: database.url }, name: 'retention:test' },
      logger,
    });
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const taken = new Promise<void>((resolve) => (held = resolve));
    const other = tryWithDatabaseLock({ url: database.url }, 'retention:test', async () => {
      held();
      await holding;
    });
    await taken;
    expect(await schedule.runNow()).toEqual({ result: 'skipped' });
    expect(prunes).toBe(0);
    release();
    expect(await other).toEqual({ acquired: true, value: undefined });
    expect(await schedule.runNow()).toMatchObject({ result: 'pruned' });
    expect(prunes).toBe(1);
    await schedule.stop();
  });
});
