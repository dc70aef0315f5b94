import { spawn, type ChildProcess } from 'node:child_process';

/** How much of a child's output is kept for error messages. */
const keptOutputChars = 20_000;

/** A child process started by the bench: its pid, its recent output, and a way to stop it. */
export interface NodeProcess {
  name: string;
  pid: number;
  /** The last output (stdout and stderr) of the process, for messages when it fails. */
  output(): string;
  /** Exit code (or signal name) once it has exited; undefined while running. */
  exitStatus(): string | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** What startNodeProcess runs. */
export interface NodeProcessOptions {
  name: string;
  /** Arguments after `node` (script first). */
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts `node <args>` as a child in its own process group (so stop() also ends its children), keeping
 * its output in memory instead of printing it: the bench prints only its table.
 */
export function startNodeProcess(options: NodeProcessOptions): NodeProcess {
  const child: ChildProcess = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-keptOutputChars);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let status: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      status = signal ?? String(code);
      resolve();
    });
    child.once('error', (error) => {
      status = `error: ${error.message}`;
      resolve();
    });
  });
  if (child.pid === undefined) throw new Error(`Could not start ${options.name}: no pid.`);
  const pid = child.pid;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  return {
    name: options.name,
    pid,
    output: () => output,
    exitStatus: () => status,
    stop: async (graceMs = 10_000) => {
      if (status !== undefined) return;
      signalGroup('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          signalGroup('SIGKILL');
          resolve();
        }, graceMs);
      });
      await Promise.race([exited, killed]);
      clearTimeout(timer);
      await exited;
    },
  };
}
