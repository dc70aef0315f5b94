import type { LoadedConfigFile } from '@agent-mesh/shared';
import { SupervisedProcess, type BackoffOptions, type ProcessSpec } from './supervised-process.js';

/** Options of a mesh supervisor. */
export interface SupervisorOptions {
  /** The loaded config files: agents are started first, then gateways. */
  files: readonly LoadedConfigFile[];
  /** The `agent-mesh` CLI entry the children run (`node <cliEntry> agent --config <file>`). */
  cliEntry: string;
  /** Where prefixed child output and supervisor notes go (one call per line, without newline). */
  writeLine(line: string): void;
  /** How long to wait for the agents before starting the gateway anyway (default 60 s). */
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** A child of the mesh: its role and the config file it runs. */
export interface MeshChild {
  kind: 'agent' | 'gateway';
  file: string;
  process: SupervisedProcess;
}

/**
 * Runs an agent mesh as separate child processes: every agent (`agent-mesh agent --config`) first, then
 * every gateway once the agents listen; prefixes each output line with the child's name, prints the
 * gateway URL when it is ready, restarts crashed children with backoff, and stops them all on `stop()`.
 */
export class Supervisor {
  readonly children: MeshChild[];
  private readonly width: number;
  private stopped = false;
  private requestStop!: () => void;
  private readonly stopRequested = new Promise<'stopped'>((resolve) => {
    this.requestStop = () => resolve('stopped');
  });
  private allGaveUp!: () => void;
  /** Resolves when every child was given up on (none will run again). */
  readonly exhausted: Promise<void>;

  constructor(private readonly options: SupervisorOptions) {
    this.exhausted = new Promise((resolve) => (this.allGaveUp = resolve));
    const ordered = [
      ...options.files.filter((file) => file.kind === 'agent'),
      ...options.files.filter((file) => file.kind === 'gateway'),
    ];
    const names = uniqueNames(ordered);
    this.width = Math.max(...names.map((name) => name.length), 'agent-mesh'.length);
    this.children = ordered.map((file, index) => {
      const name = names[index] ?? file.kind;
      const spec: ProcessSpec = {
        name,
        command: process.execPath,
        args: [options.cliEntry, file.kind, '--config', file.file],
        env: options.env ?? process.env,
        ...(options.cwd ? { cwd: options.cwd } : {}),
      };
      const child = new SupervisedProcess({
        spec,
        onOutput: (line) => this.write(name, line),
        onNote: (note) => this.note(note),
        ...(file.kind === 'gateway'
          ? { onReady: (url: string) => this.note(`gateway ready at ${url}`) }
          : { onReady: (url: string) => this.note(`agent "${name}" listening at ${url}`) }),
        ...(options.backoff ? { backoff: options.backoff } : {}),
        ...(options.stopTimeoutMs !== undefined ? { stopTimeoutMs: options.stopTimeoutMs } : {}),
      });
      child.onGiveUp(() => {
        if (this.children.every((item) => item.process.gaveUpWith !== undefined)) this.allGaveUp();
      });
      return { kind: file.kind, file: file.file, process: child };
    });
  }

  /** Starts the agents, waits until they listen (or the timeout), then starts the gateways. */
  async start(): Promise<void> {
    const agents = this.children.filter((child) => child.kind === 'agent');
    for (const agent of agents) agent.process.start();
    if (agents.length > 0) {
      const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([
        Promise.allSettled(agents.map((agent) => agent.process.ready)),
        timedOut,
        this.stopRequested,
      ]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        this.note(
          `not every agent listens after ${timeoutMs} ms; starting the gateway anyway (it shows them as unavailable)`,
        );
      }
    }
    if (this.stopped) return;
    for (const child of this.children) if (child.kind === 'gateway') child.process.start();
  }

  /** Stops every child: SIGTERM, then SIGKILL after the grace period. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.requestStop();
    await Promise.all(this.children.map((child) => child.process.stop()));
  }

  /** Kills every child at once (SIGKILL); used when the supervisor exits unexpectedly. */
  killAll(): void {
    this.stopped = true;
    for (const child of this.children) child.process.kill();
  }

  /** Writes a note of the supervisor itself. */
  note(text: string): void {
    this.write('agent-mesh', text);
  }

  private write(name: string, line: string): void {
    this.options.writeLine(`${name.padEnd(this.width)} | ${line}`);
  }
}

/** Names for log prefixes: the agent's name, `gateway` (numbered when there are several). */
function uniqueNames(files: readonly LoadedConfigFile[]): string[] {
  const counts = new Map<string, number>();
  return files.map((file) => {
    const base = file.kind === 'agent' ? file.config.name : 'gateway';
    const count = (counts.get(base) ?? 0) + 1;
    counts.set(base, count);
    return count === 1 ? base : `${base}-${count}`;
  });
}
