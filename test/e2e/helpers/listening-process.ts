import {
  startMeshProcess,
  type MeshProcess,
  type StartMeshProcessOptions,
} from './mesh-process.js';
import { waitFor } from './wait-for.js';

/**
 * Starts `agent-mesh <args>` (port 0 is fine: the URL is read from its "listening on" log line) and waits
 * until `readyPath` answers 200; a process that never gets there is killed. Returns the process, its URL
 * and the log line.
 */
export async function startListeningProcess(
  args: string[],
  options: StartMeshProcessOptions,
  readyPath: string,
): Promise<{ process: MeshProcess; url: string; listening: Record<string, unknown> }> {
  const process = startMeshProcess(args, options);
  try {
    const listening = await process.waitForLog(
      (log) =>
        typeof log.url === 'string' &&
        typeof log.msg === 'string' &&
        log.msg.includes('listening on'),
    );
    const url = String(listening.url);
    await waitFor(async () => (await fetch(`${url}${readyPath}`)).status === 200, {
      description: `${url}${readyPath} to answer 200`,
      timeoutMs: 20_000,
    });
    return { process, url, listening };
  } catch (error) {
    await process.kill('SIGKILL');
    throw error;
  }
}
