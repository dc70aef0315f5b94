import type { Logger } from '../logging/create-logger.js';

/** What waitForDrain watches. */
export interface WaitForDrainOptions {
  /** How much work is still running (turns, replies). */
  running(): number;
  /** The longest to wait, in milliseconds (shutdown_grace_ms). */
  graceMs: number;
  /** What is running, for the log lines, e.g. `turns`. */
  what: string;
  logger?: Logger;
  /** How often to look again (default 50 ms). */
  intervalMs?: number;
}

/**
 * Waits until nothing is running or the grace period is over, whichever comes first, and tells which:
 * the first half of a graceful shutdown (the caller then interrupts what is left). Resolves at once
 * when nothing runs or the grace period is 0.
 */
export async function waitForDrain(options: WaitForDrainOptions): Promise<boolean> {
  const initial = options.running();
  if (initial === 0) return true;
  if (options.graceMs <= 0) return false;
  options.logger?.info(
    { running: initial, graceMs: options.graceMs },
    `waiting up to ${options.graceMs} ms for ${initial} running ${options.what} to finish`,
  );
  const deadline = Date.now() + options.graceMs;
  const interval = options.intervalMs ?? 50;
  while (options.running() > 0) {
    const left = deadline - Date.now();
    if (left <= 0) {
      options.logger?.warn(
        { running: options.running(), graceMs: options.graceMs },
        `grace period over: interrupting ${options.running()} running ${options.what}`,
      );
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, left)));
  }
  options.logger?.info(`running ${options.what} finished within the grace period`);
  return true;
}
