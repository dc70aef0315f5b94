import type { RetentionConfig } from '../config/gateway-config.js';
import { tryWithDatabaseLock, type DatabaseLockTarget } from '../database/database-lock.js';
import type { Logger } from '../logging/create-logger.js';
import type { MeshMetrics } from '../metrics/mesh-metrics.js';
import { formatDuration, parseDuration } from './parse-duration.js';
import type { PruneResult } from './prune-types.js';

/** The longest delay setTimeout accepts (about 24.8 days); longer intervals run at this pace. */
const maxTimerDelayMs = 2 ** 31 - 1;

/** The maximum age and interval of a `retention:` section, in milliseconds. */
export function retentionTimings(retention: RetentionConfig): {
  maxAgeMs: number;
  intervalMs: number;
} {
  return {
    maxAgeMs: retention.max_age_days * 86_400_000,
    intervalMs: parseDuration(retention.interval, 'retention.interval'),
  };
}

/** What a scheduled prune is built from. */
export interface RetentionScheduleOptions {
  /** Sessions inactive for longer than this are pruned (retention.max_age_days in ms). */
  maxAgeMs: number;
  /** Pause between prunes (retention.interval in ms), jittered. */
  intervalMs: number;
  /** Deletes sessions last active before `cutoff`; stops between batches when `signal` aborts. */
  prune(cutoff: Date, signal: AbortSignal): Promise<PruneResult>;
  /**
   * The database lock that lets one instance at a time prune (replicas sharing the database skip a
   * round while another holds it). Absent: no lock (memory stores, tests).
   */
  lock?: { target: DatabaseLockTarget; name: string };
  logger: Logger;
  metrics?: MeshMetrics;
  /** Delay before the first prune (default: a random 10–70 s, capped at the interval). */
  initialDelayMs?: number;
  /** Spread of each interval, as a fraction of it (default 0.1: ±10%), so replicas drift apart. */
  jitter?: number;
  now?: () => Date;
  random?: () => number;
}

/** What one scheduled round did. */
export type RetentionRunOutcome =
  | { result: 'pruned'; prune: PruneResult }
  | { result: 'skipped' }
  | { result: 'failed'; error: unknown };

/** A running schedule. */
export interface RetentionSchedule {
  /** Runs one round now (unless one is running, which is awaited instead). */
  runNow(): Promise<RetentionRunOutcome>;
  /** Stops the timer and the round in progress (between batches) and waits for it. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Prunes old sessions on a timer: a first round soon after start, then one every interval (±jitter),
 * never two at once in this process and — with `lock` — never two at once across the processes that
 * share the database. Timers are unref'd, so the schedule never keeps a process alive; a failed round
 * is logged and counted, and the next one runs as planned.
 */
export function startRetentionSchedule(options: RetentionScheduleOptions): RetentionSchedule {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const jitter = options.jitter ?? 0.1;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<RetentionRunOutcome> | undefined;
  let stopped = false;

  const prune = async (): Promise<RetentionRunOutcome> => {
    const cutoff = new Date(now().getTime() - options.maxAgeMs);
    const started = Date.now();
    try {
      let outcome: RetentionRunOutcome;
      if (options.lock === undefined) {
        outcome = { result: 'pruned', prune: await options.prune(cutoff, controller.signal) };
      } else {
        const locked = await tryWithDatabaseLock(options.lock.target, options.lock.name, () =>
          options.prune(cutoff, controller.signal),
        );
        outcome = locked.acquired
          ? { result: 'pruned', prune: locked.value }
          : { result: 'skipped' };
      }
      options.metrics?.retentionRuns.inc({ result: outcome.result });
      if (outcome.result === 'skipped') {
        options.logger.debug(
          { lock: options.lock?.name },
          'retention: another instance is pruning this database; skipping this round',
        );
      } else {
        const { sessions, related, batches } = outcome.prune;
        options.metrics?.retentionDeletedSessions.inc(sessions);
        options.logger[sessions > 0 ? 'info' : 'debug'](
          { cutoff, sessions, related, batches, durationMs: Date.now() - started },
          `retention: pruned ${sessions} session(s) inactive for more than ${formatDuration(options.maxAgeMs)}`,
        );
      }
      return outcome;
    } catch (error) {
      options.metrics?.retentionRuns.inc({ result: 'failed' });
      options.logger.warn(
        { err: error, cutoff },
        'retention: the scheduled prune failed; it runs again at the next interval',
      );
      return { result: 'failed', error };
    }
  };

  const runNow = (): Promise<RetentionRunOutcome> => {
    running ??= prune().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        void runNow().then(() => schedule(nextDelay()));
      },
      Math.min(Math.max(0, Math.round(delayMs)), maxTimerDelayMs),
    );
    timer.unref();
  };

  const nextDelay = (): number => options.intervalMs * (1 + jitter * (2 * random() - 1));
  const firstDelay =
    options.initialDelayMs ?? Math.min(options.intervalMs, 10_000 + 60_000 * random());
  schedule(firstDelay);
  options.logger.info(
    {
      maxAge: formatDuration(options.maxAgeMs),
      interval: formatDuration(options.intervalMs),
      firstRunInMs: Math.round(firstDelay),
    },
    'retention: scheduled prune of inactive sessions',
  );

  return {
    runNow,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      controller.abort();
      await running;
    },
  };
}
