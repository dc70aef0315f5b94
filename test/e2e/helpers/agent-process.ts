import {
  startMeshProcess,
  type MeshProcess,
  type StartMeshProcessOptions,
} from './mesh-process.js';
import { waitFor } from './wait-for.js';

/** An agent started with `agent-mesh agent --config <file>`, listening and ready. */
export interface AgentProcess extends MeshProcess {
  /** The URL the agent logged (its card URL, with the real port). */
  url: string;
  port: number;
}

/**
 * Starts an agent process from a YAML file (port 0 is fine: the URL is read from its "listening on" log
 * line) and waits until /readyz answers 200.
 */
export async function startAgentProcess(
  configFile: string,
  options: StartMeshProcessOptions = {},
): Promise<AgentProcess> {
  const process = startMeshProcess(['agent', '--config', configFile], options);
  try {
    const entry = await process.waitForLog(
      (log) =>
        typeof log.url === 'string' &&
        typeof log.msg === 'string' &&
        log.msg.includes('listening on'),
    );
    const url = String(entry.url);
    await waitFor(
      async () => {
        const response = await fetch(`${url}/readyz`);
        return response.status === 200;
      },
      { description: `${url}/readyz to answer 200`, timeoutMs: 20_000 },
    );
    return Object.assign(process, { url, port: Number(entry.port) });
  } catch (error) {
    await process.kill('SIGKILL');
    throw error;
  }
}
