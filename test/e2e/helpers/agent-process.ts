import { startListeningProcess } from './listening-process.js';
import type { MeshProcess, StartMeshProcessOptions } from './mesh-process.js';

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
  const { process, url, listening } = await startListeningProcess(
    ['agent', '--config', configFile],
    options,
    '/readyz',
  );
  return Object.assign(process, { url, port: Number(listening.port) });
}
