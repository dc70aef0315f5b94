// Process wiring of the gateway: load the YAML, start, stop on SIGINT/SIGTERM. Logic lives in server.ts.
import {
  closeOnStop,
  createLogger,
  loadGatewayConfig,
  locateStartupError,
  type Logger,
} from '@agent-mesh/shared';
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
  const gateway = await startGatewayServer({ config, logger }).catch((error: unknown) => {
    throw locateStartupError(error, configFile);
  });
  options.onStarted?.(gateway);
  await closeOnStop('gateway', logger, () => gateway.close());
}
