import { spawn, type ChildProcess } from 'node:child_process';
import { createLineSplitter, readListeningUrl } from './line-splitter.js';

/** What to run: a name for log prefixes and the command line. */
export interface ProcessSpec {
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Restart delays: doubled from `initialMs` up to `maxMs`, back to `initialMs` after a stable run. */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A child that ran this long before crashing is restarted after `initialMs` again. */
  resetAfterMs: number;
}

/** Options of one supervised child. */
export interface SupervisedProcessOptions {
  spec: ProcessSpec;
  /** Receives every output line of the child (stdout and stderr). */
  onOutput(line: string): void;
  /** Receives the supervisor's own notes about this child (exits, restarts). */
  onNote(note: string): void;
  /** Called each time the child announces it listens (after every restart too). */
  onReady?(url: string): void;
  /** Exit code meaning "invalid input": the child is not restarted (default 2, as agent-mesh uses). */
  fatalExitCode?: number;
  backoff?: Partial<BackoffOptions>;
  /** Grace period between SIGTERM and SIGKILL when stopping (default 10 s). */
  stopTimeoutMs?: number;
}

/** Default restart delays: 1 s, 2 s, 4 s ... 30 s; reset after a minute of running. */
export const defaultBackoff: BackoffOptions = {
  initialMs: 1000,
  maxMs: 30_000,
  resetAfterMs: 60_000,
};

/**
 * One child process under supervision: output split into lines, readiness read from its "listening on"
 * log line, restarted with exponential backoff when it exits on its own (except for the invalid-input exit
 * code), stopped with SIGTERM and, after the grace period, SIGKILL.
 */
export class SupervisedProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private startedAt = 0;
  private exitWaiters: (() => void)[] = [];
  private readonly backoff: BackoffOptions;
  private readySettled = false;
  private resolveReady!: (url: string) => void;
  private rejectReady!: (error: Error) => void;
  /** Restarts so far. */
  restarts = 0;
  /** The URL the child announced most recently. */
  url: string | undefined;
  /** Set when the child will not be restarted any more (invalid input); holds its exit code. */
  gaveUpWith: number | undefined;
  /** Resolves with the URL when the child first announces it listens; rejects if it gives up before. */
  readonly ready: Promise<string>;
  private giveUpListener: (() => void) | undefined;

  constructor(private readonly options: SupervisedProcessOptions) {
    this.backoff = { ...defaultBackoff, ...options.backoff };
    this.delayMs = this.backoff.initialMs;
    this.ready = new Promise<string>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Nobody may be waiting for readiness; a give-up is reported through onNote as well.
    this.ready.catch(() => undefined);
  }

  get name(): string {
    return this.options.spec.name;
  }

  /** True while a child process is alive. */
  get isRunning(): boolean {
    return this.child !== undefined;
  }

  /** The pid of the current child, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Calls `listener` when the child is given up on. */
  onGiveUp(listener: () => void): void {
    this.giveUpListener = listener;
  }

  /** Starts the child. */
  start(): void {
    if (this.child || this.stopping) return;
    const { spec } = this.options;
    this.startedAt = Date.now();
    // Own process group: Ctrl-C in a terminal reaches only the supervisor, which then stops each child
    // once with SIGTERM (a child signalled twice would skip its graceful shutdown). The IPC channel lets
    // a child notice when the supervisor itself is gone.
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      const splitter = createLineSplitter((line) => this.handleLine(line));
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => splitter.push(chunk));
      stream?.on('end', () => splitter.flush());
    }
    child.once('error', (error) => {
      this.options.onNote(`could not start ${this.name}: ${error.message}`);
    });
    child.once('exit', (code, signal) => this.handleExit(child, code, signal));
  }

  /** Kills the child at once (SIGKILL) without waiting; for the supervisor's own exit. */
  kill(): void {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.child?.kill('SIGKILL');
  }

  /** Stops the child for good: SIGTERM, then SIGKILL after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    child.kill('SIGTERM');
    const timeoutMs = this.options.stopTimeoutMs ?? 10_000;
    const killer = setTimeout(() => {
      if (this.child === child) {
        this.options.onNote(`${this.name} did not stop within ${timeoutMs} ms; killing it`);
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    await exited;
    clearTimeout(killer);
  }

  private handleLine(line: string): void {
    this.options.onOutput(line);
    const url = readListeningUrl(line);
    if (url === undefined) return;
    this.url = url;
    this.options.onReady?.(url);
    if (!this.readySettled) {
      this.readySettled = true;
      this.resolveReady(url);
    }
  }

  private handleExit(
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    if (this.child !== child) return;
    this.child = undefined;
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    for (const waiter of waiters) waiter();
    if (this.stopping) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (code === (this.options.fatalExitCode ?? 2)) {
      this.gaveUpWith = code;
      this.options.onNote(
        `${this.name} exited with ${how} (invalid input); not restarting it — fix the problem above`,
      );
      if (!this.readySettled) {
        this.readySettled = true;
        this.rejectReady(new Error(`${this.name} exited with ${how} before it was ready`));
      }
      this.giveUpListener?.();
      return;
    }
    if (Date.now() - this.startedAt >= this.backoff.resetAfterMs)
      this.delayMs = this.backoff.initialMs;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.maxMs);
    this.options.onNote(`${this.name} exited with ${how}; restarting in ${formatDelay(delay)}`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restarts += 1;
      this.start();
    }, delay);
  }
}

function formatDelay(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms} ms`;
}
