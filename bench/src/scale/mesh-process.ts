import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built `agent-mesh` CLI (build first with `npx tsc -b`). */
export const cliEntry = fileURLToPath(
  new URL('../../../packages/cli/dist/main.js', import.meta.url),
);

/** How much of a process's output is kept for error messages. */
const keptLines = 400;

/** An `agent-mesh gateway|agent` child process that logged the URL it listens at. */
export interface MeshProcess {
  name: string;
  url: string;
  child: ChildProcess;
  /** The last lines of output, for error messages. */
  output(): string;
  /** Sends a signal and resolves once the process exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `node packages/cli/dist/main.js <args>` and resolves once it logged "listening on" (its URL);
 * rejects with its output when it exits first or takes longer than `timeoutMs`.
 */
export function startMeshProcess(
  name: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<MeshProcess> {
  if (!existsSync(cliEntry)) {
    return Promise.reject(new Error(`${cliEntry} is missing: build first with \`npx tsc -b\`.`));
  }
  const child = spawn(process.execPath, [cliEntry, ...args], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let pending = '';
    let settled = false;
    const output = (): string => lines.join('\n');
    const fail = (reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${name} ${reason}:\n${output()}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        lines.push(line);
        if (lines.length > keptLines) lines.shift();
        if (!settled && line.includes('listening on')) {
          try {
            const entry = JSON.parse(line) as { url?: unknown };
            if (typeof entry.url === 'string') {
              settled = true;
              clearTimeout(timer);
              const url = entry.url;
              resolve({
                name,
                url,
                child,
                output,
                async kill(signal) {
                  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
                  await exited;
                },
              });
            }
          } catch {
            // Not a JSON log line.
          }
        }
        newline = pending.indexOf('\n');
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then(() => fail(`exited (code ${child.exitCode}, signal ${child.signalCode})`));
  });
}
