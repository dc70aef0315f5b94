// Process wiring of one agent: load the YAML, start, stop on SIGINT/SIGTERM. Logic lives in runtime.ts.
import {
  closeOnStop,
  createLogger,
  loadAgentConfig,
  locateStartupError,
  type Logger,
} from '@agent-mesh/shared';
import { startAgent, type RunningAgent } from './runtime.js';

/** What runAgentProcess needs besides the file. */
export interface RunAgentProcessOptions {
  /** Default: a logger named `agent:<name>` at LOG_LEVEL. */
  logger?: Logger;
  /** URLs of peers listed by bare name (a launcher passes the addresses it knows). */
  peerUrls?: Readonly<Record<string, string>>;
  /** Called once the agent listens (e.g. to report the URL). */
  onStarted?(agent: RunningAgent): void;
}

/**
 * Runs the agent a YAML file describes until the process gets SIGINT or SIGTERM, then stops it cleanly
 * (running turns are kept as interrupted, the database is closed). A second signal exits at once.
 * Config and start-up errors are thrown as MeshError for the CLI to print.
 */
export async function runAgentProcess(
  configFile: string,
  options: RunAgentProcessOptions = {},
): Promise<void> {
  const config = loadAgentConfig(configFile);
  const logger = options.logger ?? createLogger(`agent:${config.name}`);
  const agent = await startAgent({
    config,
    logger,
    configFile,
    ...(options.peerUrls ? { peerUrls: options.peerUrls } : {}),
  }).catch((error: unknown) => {
    throw locateStartupError(error, configFile);
  });
  options.onStarted?.(agent);
  await closeOnStop(`agent "${config.name}"`, logger, () => agent.close());
}
