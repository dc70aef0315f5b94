import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (test/e2e/helpers → ../../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The built `agent-mesh` CLI that end-to-end tests run (build it first with `npx tsc -b`). */
export const cliEntry = join(repoRoot, 'packages/cli/dist/main.js');

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running `agent-mesh` child process with its output captured line by line. */
export interface MeshProcess {
  child: ChildProcess;
  /** Every line written so far to stdout and stderr, in arrival order. */
  readonly lines: readonly string[];
  /** All output so far, for failure messages. */
  output(): string;
  /** Resolves with the first line (already written or coming) that matches; rejects if the process exits first. */
  waitForLine(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Like waitForLine for JSON log lines (pino), resolving with the parsed entry. */
  waitForLog(
    predicate: (entry: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Settles when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  /** Sends a signal (default SIGTERM) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<ProcessExit>;
}

/** Options of startMeshProcess. */
export interface StartMeshProcessOptions {
  cwd?: string;
  /** Added to the test's own environment. */
  env?: Record<string, string | undefined>;
  /** Text written to stdin, which is then closed (default: stdin is closed at once). */
  stdin?: string;
}

const running = new Set<MeshProcess>();

function parseJson(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts `node packages/cli/dist/main.js <args>` as a real child process. Fails fast with a clear message
 * when the CLI was not built. Call stopMeshProcesses() in afterAll so no process outlives its test file.
 */
export function startMeshProcess(
  args: readonly string[],
  options: StartMeshProcessOptions = {},
): MeshProcess {
  if (!existsSync(cliEntry)) {
    throw new Error(`${cliEntry} is missing: build the workspace first with \`npx tsc -b\`.`);
  }
  const child = spawn(process.execPath, [cliEntry, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<(line: string) => void>();
  const collect = (stream: NodeJS.ReadableStream | null): void => {
    let pending = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        lines.push(line);
        for (const listener of listeners) listener(line);
        newline = pending.indexOf('\n');
      }
    });
    stream?.on('end', () => {
      if (pending !== '') {
        lines.push(pending);
        for (const listener of listeners) listener(pending);
        pending = '';
      }
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  child.stdin?.end(options.stdin ?? '');

  const exited = new Promise<ProcessExit>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
  });
  const output = (): string => lines.join('\n');

  const waitForLine = (predicate: (line: string) => boolean, timeoutMs = 30_000): Promise<string> =>
    new Promise((resolveLine, reject) => {
      const found = lines.find(predicate);
      if (found !== undefined) {
        resolveLine(found);
        return;
      }
      const cleanup = (): void => {
        clearTimeout(timer);
        listeners.delete(listener);
      };
      const listener = (line: string): void => {
        if (!predicate(line)) return;
        cleanup();
        resolveLine(line);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `Timed out after ${timeoutMs} ms waiting for output of agent-mesh ${args.join(' ')}:\n${output()}`,
          ),
        );
      }, timeoutMs);
      listeners.add(listener);
      void exited.then((exit) => {
        // Let the last output arrive before deciding the line never came.
        setTimeout(() => {
          if (!listeners.has(listener)) return;
          cleanup();
          reject(
            new Error(
              `agent-mesh ${args.join(' ')} exited (code ${exit.code}, signal ${exit.signal}) before the awaited output:\n${output()}`,
            ),
          );
        }, 50);
      });
    });

  const process_: MeshProcess = {
    child,
    lines,
    output,
    waitForLine,
    async waitForLog(predicate, timeoutMs) {
      const line = await waitForLine((candidate) => {
        const entry = parseJson(candidate);
        return entry !== undefined && predicate(entry);
      }, timeoutMs);
      return parseJson(line) ?? {};
    },
    exited,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const exit = await exited;
      running.delete(process_);
      return exit;
    },
  };
  running.add(process_);
  void exited.then(() => running.delete(process_));
  return process_;
}

/** Kills every process started by this test file that is still running (SIGKILL) and waits for them. */
export async function stopMeshProcesses(): Promise<void> {
  await Promise.all([...running].map((item) => item.kill('SIGKILL')));
}
