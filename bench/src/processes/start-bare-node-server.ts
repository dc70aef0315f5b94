import { startNodeProcess, type NodeProcess } from './node-process.js';

// The smallest useful Node process: an HTTP server answering 200 to everything.
const script =
  "require('node:http').createServer((request, response) => response.end('ok'))" +
  ".listen(Number(process.env.BARE_PORT), '127.0.0.1');";

/**
 * Starts a bare Node HTTP server on `port`: the reference for start-up time (spawn to first answer) and
 * for peak memory (what any Node process costs on this machine before our code).
 */
export function startBareNodeServer(port: number): NodeProcess {
  return startNodeProcess({
    name: 'bare node',
    args: ['-e', script],
    env: { ...process.env, BARE_PORT: String(port) },
  });
}
