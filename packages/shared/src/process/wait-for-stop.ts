import type { Logger } from '../logging/create-logger.js';

/** Why a process is stopping: a signal, or the supervisor (`agent-mesh start`) that started it is gone. */
export type StopReason = NodeJS.Signals | 'supervisor-gone';

/**
 * Resolves when the process should stop: SIGINT, SIGTERM, or — when started by `agent-mesh start` with
 * an IPC channel — the supervisor disconnecting (so children never outlive a killed supervisor).
 */
export function waitForStop(): Promise<StopReason> {
  return new Promise<StopReason>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (process.connected) process.once('disconnect', () => resolve('supervisor-gone'));
  }).finally(() => {
    process.removeAllListeners('disconnect');
    if (process.connected) process.disconnect();
  });
}

/**
 * Waits for a stop request, then runs `close` (finish in-flight work, close pools). A second signal while
 * closing exits at once, so an operator is never stuck behind a slow shutdown.
 */
export async function closeOnStop(
  description: string,
  logger: Logger,
  close: () => Promise<void>,
): Promise<StopReason> {
  const reason = await waitForStop();
  logger.info({ reason }, `stopping ${description}`);
  const forceExit = (): void => {
    logger.warn('second signal: exiting without waiting');
    process.exit(130);
  };
  process.once('SIGINT', forceExit);
  process.once('SIGTERM', forceExit);
  try {
    await close();
  } finally {
    process.off('SIGINT', forceExit);
    process.off('SIGTERM', forceExit);
  }
  return reason;
}
