import {
  startMeshProcess,
  type MeshProcess,
  type StartMeshProcessOptions,
} from './mesh-process.js';
import { waitFor } from './wait-for.js';

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
  const process = startMeshProcess(['gateway', '--config', configFile], options);
  try {
    const entry = await process.waitForLog(
      (log) =>
        typeof log.url === 'string' &&
        typeof log.msg === 'string' &&
        log.msg.includes('listening on'),
    );
    const url = String(entry.url);
    await waitFor(async () => (await fetch(`${url}/healthz`)).status === 200, {
      description: `${url}/healthz to answer 200`,
      timeoutMs: 20_000,
    });
    return Object.assign(process, { url });
  } catch (error) {
    await process.kill('SIGKILL');
    throw error;
  }
}
