import { startListeningProcess } from './listening-process.js';
import type { MeshProcess, StartMeshProcessOptions } from './mesh-process.js';

/** A gateway started with `agent-mesh gateway --config <file>`, listening. */
export interface GatewayProcess extends MeshProcess {
  /** The URL the gateway logged (real port). */
  url: string;
}

/**
 * Starts a gateway process from a YAML file (port 0 is fine: the URL is read from its "listening on" log
 * line) and waits until /healthz answers 200.
 */
export async function startGatewayProcess(
  configFile: string,
  options: StartMeshProcessOptions = {},
): Promise<GatewayProcess> {
  const { process, url } = await startListeningProcess(
    ['gateway', '--config', configFile],
    options,
    '/healthz',
  );
  return Object.assign(process, { url });
}
