// Process wiring of the gateway: load the YAML, start, stop on SIGINT/SIGTERM. Logic lives in server.ts.
import { createLogger, loadGatewayConfig, type Logger } from '@agent-mesh/shared';
import { startGatewayServer, type RunningGateway } from './server.js';

/** What runGatewayProcess needs besides the file. */
export interface RunGatewayProcessOptions {
  /** Default: a logger named `gateway` at LOG_LEVEL. */
  logger?: Logger;
  /** Called once the gateway listens. */
  onStarted?(gateway: RunningGateway): void;
}

/**
 * Runs the gateway a YAML file describes until the process gets SIGINT or SIGTERM, then stops it cleanly
 * (running replies are recorded as interrupted, the database is closed). A second signal exits at once.
 * Config and start-up errors are thrown as MeshError for the CLI to print.
 */
export async function runGatewayProcess(
  configFile: string,
  options: RunGatewayProcessOptions = {},
): Promise<void> {
  const config = loadGatewayConfig(configFile);
  const logger = options.logger ?? createLogger('gateway');
  const gateway = await startGatewayServer({ config, logger });
  options.onStarted?.(gateway);
  const signal = await new Promise<NodeJS.Signals | 'supervisor-gone'>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    // Started by `agent-mesh start` (IPC channel): stop when the supervisor is gone.
    if (process.connected) process.once('disconnect', () => resolve('supervisor-gone'));
  });
  process.removeAllListeners('disconnect');
  if (process.connected) process.disconnect();
  logger.info({ signal }, 'stopping gateway');
  const forceExit = (): void => {
    logger.warn('second signal: exiting without waiting');
    process.exit(130);
  };
  process.once('SIGINT', forceExit);
  process.once('SIGTERM', forceExit);
  try {
    await gateway.close();
  } finally {
    process.off('SIGINT', forceExit);
    process.off('SIGTERM', forceExit);
  }
}
