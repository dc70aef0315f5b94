import { Role, type SendMessageRequest } from '@a2a-js/sdk';
import { isMeshError, type Logger } from '@agent-mesh/shared';
import type { AgentConnection, AgentRegistry } from '../agents/agent-registry.js';
import type { TaskObserver } from '../operations/gateway-operations.js';
import type { CompactionNote, GatewayStore, TaskRecord } from '../store/gateway-store.js';
import { A2aReplyAssembler } from './a2a-reply-assembler.js';
import type { TaskEventFeed } from './task-event-feed.js';
import { TaskRecorder, type TaskOutcome, type TaskRecorderOptions } from './task-recorder.js';

/** What the runner needs; `gatewayId` names this gateway instance to agents. */
export interface TaskRunnerOptions {
  store: GatewayStore;
  feed: TaskEventFeed;
  agents: AgentRegistry;
  logger: Logger;
  gatewayId: string;
  recorder?: Omit<TaskRecorderOptions, 'logger'>;
  /** A stream that delivers nothing for this long is treated as a dead agent (default 10 min). */
  streamIdleTimeoutMs?: number;
  /** How often a running task's row is touched while the agent is quiet (default 30 s). */
  heartbeatIntervalMs?: number;
  /** How long a cancel waits for the agent to confirm before cutting the stream (default 3 s). */
  cancelTimeoutMs?: number;
  /**
   * How many replicas one turn is sent to at most (default 4): when a replica dies mid-turn the same
   * message goes to another one, which the agent de-duplicates by messageId.
   */
  maxAttempts?: number;
  /** Told when replies start and finish (metrics, logs). */
  observer?: TaskObserver;
  /**
   * Called when the agent reports that it compacted its context during the turn, before the final state
   * is written, so the checkpoint it records is in the history when browsers see the reply end.
   */
  onTurnCompacted?: (task: TaskRecord, note: CompactionNote) => Promise<void>;
}

type StopReason = 'cancel' | 'shutdown' | 'idle' | 'detached';

interface RunningTask {
  task: TaskRecord;
  recorder: TaskRecorder;
  controller: AbortController;
  stopReason?: StopReason;
  agentTaskId?: string;
  connection?: AgentConnection;
  done: Promise<void>;
}

/** The A2A message id of a task's user message: derived from the task id, so a re-send is idempotent. */
export function userMessageIdOf(taskId: string): string {
  return `${taskId}-user`;
}

/** The API message id of a task's agent reply. */
export function agentMessageIdOf(taskId: string): string {
  return `${taskId}-agent`;
}

/**
 * Runs replies on the server, independently of any browser: sends the task's user message to the agent
 * with A2A `SendStreamingMessage` (contextId = the gateway session id, metadata userId and gatewayId,
 * messageId derived from the task id), records every stream event as it arrives, and closes the task as
 * completed, failed or canceled. When the replica serving the turn dies (refused or broken connection, a
 * stream that ends without a final status, an agent reporting its own shutdown) the same message is sent
 * to another replica of the agent, whose first text replaces the partial text of the dead attempt
 * (`message-delta` with `replace: true`); only when no replica can finish it does the task end
 * interrupted with the partial text.
 */
export class TaskRunner {
  private readonly running = new Map<string, RunningTask>();
  private readonly streamIdleTimeoutMs: number;
  private readonly cancelTimeoutMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly maxAttempts: number;

  constructor(private readonly options: TaskRunnerOptions) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 30_000;
    this.streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? 600_000;
    this.cancelTimeoutMs = options.cancelTimeoutMs ?? 3_000;
  }

  /** Starts streaming the reply of a freshly created task in the background. */
  start(task: TaskRecord): void {
    const recorder = new TaskRecorder(this.options.store, this.options.feed, task, {
      ...this.options.recorder,
      // Its lines name the task already; the session id makes them findable per conversation.
      logger: this.options.logger.child({ sessionId: task.sessionId }),
    });
    const controller = new AbortController();
    const entry: RunningTask = { task, recorder, controller, done: Promise.resolve() };
    recorder.onDetached(() => this.stop(entry, 'detached'));
    this.running.set(task.id, entry);
    this.options.observer?.taskStarted?.(task);
    // A heartbeat keeps the task visibly alive for other gateway instances while the agent is quiet.
    const heartbeat = setInterval(() => recorder.heartbeat(), this.heartbeatIntervalMs);
    heartbeat.unref();
    entry.done = this.run(task, entry)
      .catch((error: unknown) => {
        this.options.logger.error({ err: error, taskId: task.id }, 'reply failed unexpectedly');
      })
      .finally(() => {
        clearInterval(heartbeat);
        this.running.delete(task.id);
      });
  }

  /** Cancels every reply of a session running in this process (the session is being deleted). */
  async cancelSession(sessionId: string): Promise<void> {
    const ids = [...this.running.values()]
      .filter((entry) => entry.task.sessionId === sessionId)
      .map((entry) => entry.task.id);
    await Promise.all(ids.map((id) => this.cancel(id)));
  }

  /** How many replies this process is streaming now. */
  get runningCount(): number {
    return this.running.size;
  }

  /** Tells whether this process is streaming the task now. */
  isRunning(taskId: string): boolean {
    return this.running.has(taskId);
  }

  /**
   * Resolves when the task is no longer running in this process, with the task as this process stored
   * it at the end (undefined when it was not running here or ended without that write).
   */
  async waitFor(taskId: string): Promise<TaskRecord | undefined> {
    const entry = this.running.get(taskId);
    if (entry === undefined) return undefined;
    await entry.done;
    return entry.recorder.final;
  }

  /**
   * Cancels a running task: asks the agent (A2A CancelTask), then stops the stream; the task ends as
   * canceled with the text so far. Returns false when the task is not running in this process.
   */
  async cancel(taskId: string): Promise<boolean> {
    const entry = this.running.get(taskId);
    if (!entry) return false;
    if (entry.stopReason === undefined) {
      entry.stopReason = 'cancel';
      if (entry.connection && entry.agentTaskId) {
        try {
          await entry.connection.client.cancelTask(
            { tenant: '', id: entry.agentTaskId, metadata: undefined },
            { signal: AbortSignal.timeout(this.cancelTimeoutMs) },
          );
        } catch (error) {
          this.options.logger.debug({ err: error, taskId }, 'agent did not confirm the cancel');
        }
      }
      // Give the agent's own canceled status a moment to arrive, then cut the stream.
      await Promise.race([entry.done, delay(Math.min(500, this.cancelTimeoutMs))]);
      entry.controller.abort();
    }
    await entry.done;
    return true;
  }

  /** Stops every running reply and records each as interrupted (gateway shutting down). */
  async shutdown(): Promise<void> {
    const entries = [...this.running.values()];
    for (const entry of entries) this.stop(entry, 'shutdown');
    await Promise.all(entries.map((entry) => entry.done));
  }

  private stop(entry: RunningTask, reason: StopReason): void {
    entry.stopReason ??= reason;
    entry.controller.abort();
  }

  private async run(task: TaskRecord, entry: RunningTask): Promise<void> {
    const started = Date.now();
    const outcome = await this.stream(task, entry);
    if (outcome.compaction && !entry.recorder.isClosed && this.options.onTurnCompacted) {
      await this.options.onTurnCompacted(task, outcome.compaction).catch((error: unknown) => {
        this.options.logger.warn(
          { err: error, taskId: task.id },
          'could not record the compaction the agent made during the turn',
        );
      });
    }
    // A closed recorder means the task went away (its session was deleted): it ended as canceled.
    const status = entry.recorder.isClosed ? 'canceled' : outcome.status;
    if (!entry.recorder.isClosed) await entry.recorder.finish(outcome);
    this.options.observer?.taskFinished?.(task, status, Date.now() - started);
  }

  private async stream(task: TaskRecord, entry: RunningTask): Promise<TaskOutcome> {
    const { recorder, controller } = entry;
    const request = this.requestFor(task);
    /** Replicas that failed during this turn: it goes to another one, never back to them. */
    const failed = new Set<string>();
    let received = false;
    let lastError: unknown;
    let lastState: string | undefined;
    let failovers = 0;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      if (controller.signal.aborted) break;
      let connection: AgentConnection | undefined;
      try {
        connection = await this.options.agents.pick(task.agent, {
          sessionId: task.sessionId,
          exclude: failed,
        });
      } catch (error) {
        if (attempt === 1) {
          return { status: 'failed', error: isMeshError(error) ? error.message : describe(error) };
        }
        lastError ??= error;
        break;
      }
      if (!connection) break;
      if (attempt > 1) {
        failovers += 1;
        recorder.updateMetadata({ failovers });
        this.options.logger.warn(
          { taskId: task.id, agent: task.agent, url: connection.url, attempt },
          'sending the turn again to another replica of the agent',
        );
      }
      entry.connection = connection;
      entry.agentTaskId = undefined;
      // Text an earlier, dead attempt left is replaced by this attempt's first text.
      let replacing = recorder.text.length > 0;
      const assembler = new A2aReplyAssembler();
      const idle = new IdleTimer(this.streamIdleTimeoutMs, () => this.stop(entry, 'idle'));
      let deadMidTurn = false;
      try {
        const stream = connection.client.sendMessageStream(request, { signal: controller.signal });
        for await (const response of stream) {
          idle.reset();
          received = true;
          const step = assembler.accept(response);
          if (step.agentTaskId && step.agentTaskId !== entry.agentTaskId) {
            entry.agentTaskId = step.agentTaskId;
            recorder.updateMetadata({ agentTaskId: step.agentTaskId, agentUrl: connection.url });
          }
          for (const status of step.statuses) {
            if (status.state === lastState && status.message === undefined) continue;
            lastState = status.state;
            recorder.recordStatus(status.state, status.message);
          }
          // An agent replica shutting down reports the turn interrupted: finish it elsewhere.
          const dying = step.final?.status === 'interrupted' && !controller.signal.aborted;
          if (replacing && (step.text.length > 0 || (step.final !== undefined && !dying))) {
            recorder.replaceText(assembler.replyText);
            replacing = false;
          } else {
            for (const change of step.text) {
              if (change.kind === 'append') recorder.appendText(change.text);
              else recorder.replaceText(change.text);
            }
          }
          if (step.metadata) recorder.updateMetadata(step.metadata);
          if (step.final) {
            if (dying) {
              lastError = new Error(step.final.error ?? 'the agent replica shut down mid-reply');
              deadMidTurn = true;
              break;
            }
            this.options.agents.noteServed(task.agent, task.sessionId, connection.url);
            return step.final;
          }
        }
        if (!deadMidTurn) lastError = undefined;
      } catch (error) {
        lastError = error;
      } finally {
        idle.clear();
      }
      if (controller.signal.aborted) break;
      // The replica could not be reached, broke the stream or closed it without a final status: mark
      // it down and send the same message (same messageId, so the agent stores it once) to another.
      failed.add(connection.url);
      this.options.agents.markUnreachable(
        task.agent,
        connection.url,
        lastError ?? new Error('the stream ended without a final status'),
      );
      this.options.logger.warn(
        { err: lastError, taskId: task.id, agent: task.agent, url: connection.url, received },
        received ? 'agent replica failed mid-reply' : 'agent call failed before the reply started',
      );
    }
    switch (entry.stopReason) {
      case 'cancel':
        return { status: 'canceled' };
      case 'shutdown':
        return {
          status: 'interrupted',
          error:
            'The gateway stopped before the reply was complete. Retry to send the message again.',
        };
      case 'idle':
        return {
          status: 'interrupted',
          error: `The agent sent nothing for ${Math.round(this.streamIdleTimeoutMs / 1000)} s; the reply was cut off. Retry to send the message again.`,
        };
      case 'detached':
        return { status: 'canceled' };
      case undefined:
        break;
    }
    if (!received) {
      return {
        status: 'failed',
        error: `Agent "${task.agent}" could not be reached: ${describe(lastError)}`,
      };
    }
    return {
      status: 'interrupted',
      error: lastError
        ? `The connection to agent "${task.agent}" broke off mid-reply (${describe(lastError)}) and no other replica could finish it. Retry to send the message again.`
        : `Agent "${task.agent}" closed the stream before the reply was complete. Retry to send the message again.`,
    };
  }

  private requestFor(task: TaskRecord): SendMessageRequest {
    const metadata = { userId: task.userId, gatewayId: this.options.gatewayId };
    return {
      tenant: '',
      message: {
        messageId: userMessageIdOf(task.id),
        contextId: task.sessionId,
        taskId: '',
        role: Role.ROLE_USER,
        parts: [
          {
            content: { $case: 'text', value: task.userMessage },
            metadata: undefined,
            filename: '',
            mediaType: 'text/plain',
          },
        ],
        metadata,
        extensions: [],
        referenceTaskIds: [],
      },
      configuration: undefined,
      metadata,
    };
  }
}

/** Calls `onIdle` when `reset` has not been called for `timeoutMs`. */
class IdleTimer {
  private timer: NodeJS.Timeout;

  constructor(
    private readonly timeoutMs: number,
    private readonly onIdle: () => void,
  ) {
    this.timer = setTimeout(onIdle, timeoutMs);
  }

  reset(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.onIdle, this.timeoutMs);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(error: unknown): string {
  if (error === undefined) return 'no answer';
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
