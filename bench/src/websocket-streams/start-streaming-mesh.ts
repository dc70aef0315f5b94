import type { NodeProcess } from '../processes/node-process.js';
import { startBenchMesh } from '../processes/start-bench-mesh.js';

/** The agent that answers at once: it fills the gateway's history. */
export const fastAgentName = 'assistant';
/** The agent whose replies stream word by word for seconds: the streams being measured. */
export const slowAgentName = 'streamer';

/** A gateway on SQLite in front of two agents that differ only in their model's per-word delay. */
export interface StreamingMesh {
  gatewayUrl: string;
  gateway: NodeProcess;
  /** Stops every process and drops the databases. */
  stop(): Promise<void>;
}

/**
 * Starts two agents (built-in `recall` model; `assistant` with no delay, `streamer` pausing
 * `slowDelayMs` between words) and a gateway routing to both, each a child process with its own fresh
 * SQLite database, and waits until every /readyz answers 200. (The gateway-turn group's startMesh has one
 * agent with no delay, which streams a reply in one piece.)
 */
export async function startStreamingMesh(slowDelayMs: number): Promise<StreamingMesh> {
  const mesh = await startBenchMesh({
    provider: 'sqlite',
    agents: [
      { name: fastAgentName, delayMs: 0 },
      { name: slowAgentName, delayMs: slowDelayMs },
    ],
  });
  return { gatewayUrl: mesh.gatewayUrl, gateway: mesh.gateway, stop: mesh.stop };
}
