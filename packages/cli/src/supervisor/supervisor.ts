import type { LoadedConfigFile } from '@agent-mesh/shared';
import { SupervisedProcess, type BackoffOptions, type ProcessSpec } from './supervised-process.js';

/** Options of a mesh supervisor. */
export interface SupervisorOptions {
  /** The loaded config files: agents and gateways, all started at once. */
  files: readonly LoadedConfigFile[];
  /** The `agent-mesh` CLI entry the children run (`node <cliEntry> agent --config <file>`). */
  cliEntry: string;
  /** Where prefixed child output and supervisor notes go (one call per line, without newline). */
  writeLine(line: string): void;
  /** How long to wait for the agents before announcing a ready gateway anyway (default 60 s). */
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
 * Runs an agent mesh as separate child processes, every agent (`agent-mesh agent --config`) and every
 * gateway at once — a gateway treats an agent that does not answer yet as unavailable, never as fatal —
 * and prints the gateway URL once the gateway and the agents listen, so the first chat works; prefixes
 * each output line with the child's name, restarts crashed children with backoff, and stops them all
 * on `stop()`.
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
  /** Settles once every agent listens, was given up on, or the ready timeout passed. */
  private agentsSettled: Promise<void> | undefined;

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
          ? { onReady: (url: string) => void this.announceGateway(url) }
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

  /**
   * Starts every child at once: the agents and the gateways load, migrate and listen in parallel, so
   * start-up takes as long as the slowest process rather than an agent and a gateway in a row.
   */
  start(): Promise<void> {
    const agents = this.children.filter((child) => child.kind === 'agent');
    this.agentsSettled = this.waitForAgents(agents);
    for (const child of this.children) child.process.start();
    return Promise.resolve();
  }

  private async waitForAgents(agents: readonly MeshChild[]): Promise<void> {
    if (agents.length === 0) return;
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
        `not every agent listens after ${timeoutMs} ms; the gateway shows those as unavailable until they answer`,
      );
    }
  }

  /**
   * Prints the gateway URL once the agents listen too. Before that, one request to the gateway's
   * /readyz — which fetches every agent card again — makes it see the agents now instead of at its
   * next periodic probe, so the agent picker offers them from the first page load.
   */
  private async announceGateway(url: string): Promise<void> {
    await this.agentsSettled;
    if (this.stopped) return;
    // Only a hint: the gateway fetches the cards by itself as well, so any failure is ignored.
    await fetch(new URL('/readyz', url), { signal: AbortSignal.timeout(readyProbeTimeoutMs) })
      .then((response) => response.body?.cancel())
      .catch(() => undefined);
    if (this.stopped) return;
    this.note(`gateway ready at ${url}`);
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

/** How long the supervisor waits for the gateway's /readyz before announcing it anyway. */
const readyProbeTimeoutMs = 5_000;

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
