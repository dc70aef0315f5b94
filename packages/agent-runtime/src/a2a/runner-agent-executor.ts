import { randomUUID } from 'node:crypto';
import { Role, TaskState, type Message, type Task } from '@a2a-js/sdk';
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { MeshError, isMeshError, type Logger, type MeshErrorJson } from '@agent-mesh/shared';
import type { Runner } from '../runner/runner.js';
import type { TurnResult, TurnStatus, TurnStopReason } from '../runner/runner-types.js';
import type { TurnUsage } from '../runner/turn-usage.js';
import { createTextPart, textOfMessage, turnMetadataOf } from './a2a-parts.js';

/** How a turn ended, as the executor reports it to its observer. */
export interface TurnOutcome {
  status: TurnStatus;
  /** The agent session the turn ran in (absent when it failed before one was resolved). */
  sessionId?: string;
  usage?: TurnUsage;
}

/** Told when turns start and end (metrics, logs); must not throw. */
export interface TurnObserver {
  turnStarted?(turn: { taskId: string; contextId: string }): void;
  turnFinished?(
    turn: { taskId: string; contextId: string; durationMs: number } & TurnOutcome,
  ): void;
}

/** Told the id of a task about to be created, before its first event (a task store). */
export interface NewTaskListener {
  expectNew(taskId: string): void;
}

/** The id of the artifact a reply streams into (one per task). */
export const replyArtifactId = 'reply';

interface RunningTurn {
  controller: AbortController;
  done: Promise<void>;
}

function now(): string {
  return new Date().toISOString();
}

function agentMessage(taskId: string, contextId: string, text: string): Message {
  return {
    messageId: randomUUID(),
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts: [createTextPart(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/**
 * Text deltas waiting to become one artifact chunk. A model stream that is already complete (the built-in
 * model at delay 0, a provider's burst of buffered tokens) yields its deltas within one event-loop turn,
 * and each would otherwise cost an A2A event here and in the gateway (task store load and save, SSE
 * write, parse, record, WebSocket frame). The deltas of one loop turn leave together right after it
 * (setImmediate); nothing waits for more text, so a delta that arrives later, as a live stream's do,
 * still goes out on its own at once.
 */
class PendingDeltas {
  private text = '';
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly send: (text: string) => void) {}

  add(text: string): void {
    this.text += text;
    this.scheduled ??= setImmediate(() => this.flush());
  }

  /** Sends the waiting text now, if any. */
  flush(): void {
    const text = this.take();
    if (text !== '') this.send(text);
  }

  /** Returns the waiting text and forgets it. */
  take(): string {
    const text = this.text;
    this.text = '';
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    return text;
  }
}

/** The final task state of a turn result; an interrupted reply counts as failed (the agent went away). */
function finalState(result: Pick<TurnResult, 'status'>): TaskState {
  switch (result.status) {
    case 'completed':
      return TaskState.TASK_STATE_COMPLETED;
    case 'canceled':
      return TaskState.TASK_STATE_CANCELED;
    case 'interrupted':
    case 'failed':
      return TaskState.TASK_STATE_FAILED;
  }
}

const interruptedError: MeshErrorJson = {
  code: 'AGENT_UNAVAILABLE',
  message:
    'The agent shut down during the reply; the partial reply is kept. Send the message again to retry.',
  details: {},
};

/**
 * Adapts the Runner to A2A: publishes the task, a `working` status, the reply as chunks appended to one
 * artifact (then the whole text once, replacing the chunks, with lastChunk), and a final status whose
 * metadata carries usage, contextWindow, model, sessionId and, when the turn compacted the session,
 * `compaction: { turnsCompacted, tokensBefore, tokensAfter }`. tasks/cancel aborts the model call.
 */
export class RunnerAgentExecutor implements AgentExecutor {
  private readonly running = new Map<string, RunningTurn>();

  constructor(
    private readonly runner: Runner,
    private readonly logger: Logger,
    private readonly observer: TurnObserver = {},
    private readonly newTasks?: NewTaskListener,
  ) {}

  /** How many turns are running now. */
  get runningCount(): number {
    return this.running.size;
  }

  execute = async (requestContext: RequestContext, eventBus: ExecutionEventBus): Promise<void> => {
    const { taskId } = requestContext;
    const controller = new AbortController();
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    this.running.set(taskId, { controller, done });
    const started = Date.now();
    const turn = { taskId, contextId: requestContext.contextId };
    this.observer.turnStarted?.(turn);
    let outcome: TurnOutcome = { status: 'failed' };
    try {
      outcome = await this.run(requestContext, eventBus, controller.signal);
    } finally {
      this.running.delete(taskId);
      this.observer.turnFinished?.({ ...turn, ...outcome, durationMs: Date.now() - started });
      finish();
    }
  };

  cancelTask = async (taskId: string, eventBus: ExecutionEventBus): Promise<void> => {
    const turn = this.running.get(taskId);
    if (turn !== undefined) {
      turn.controller.abort('canceled' satisfies TurnStopReason);
      return;
    }
    // Not running here (finished, or started by another process): say so on the bus right away.
    this.logger.info({ taskId }, 'cancel requested for a task that is not running in this process');
    eventBus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId: '',
        status: { state: TaskState.TASK_STATE_CANCELED, message: undefined, timestamp: now() },
        metadata: {},
      }),
    );
    eventBus.finished();
  };

  /** Stops every running turn as `interrupted` (shutdown) and waits until each has stored its partial reply. */
  async interruptAll(): Promise<void> {
    const turns = [...this.running.values()];
    for (const turn of turns) turn.controller.abort('interrupted' satisfies TurnStopReason);
    await Promise.all(turns.map((turn) => turn.done));
  }

  private async run(
    requestContext: RequestContext,
    eventBus: ExecutionEventBus,
    signal: AbortSignal,
  ): Promise<TurnOutcome> {
    const { taskId, contextId } = requestContext;
    const userMessage = requestContext.userMessage;
    const isNewTask = requestContext.task === undefined;
    if (isNewTask) this.newTasks?.expectNew(taskId);
    const task: Task = {
      id: taskId,
      contextId,
      status: { state: TaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: now() },
      artifacts: [],
      // A continued task keeps its stored history (the handler already appended this message).
      history: isNewTask ? [userMessage] : [],
      metadata: {},
    };
    eventBus.publish(AgentEvent.task(task));
    eventBus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId,
        status: { state: TaskState.TASK_STATE_WORKING, message: undefined, timestamp: now() },
        metadata: { agent: this.runner.appName, model: this.runner.modelName },
      }),
    );

    let appending = false;
    const publishChunk = (text: string, append: boolean, lastChunk: boolean): void => {
      eventBus.publish(
        AgentEvent.artifactUpdate({
          taskId,
          contextId,
          artifact: {
            artifactId: replyArtifactId,
            name: 'reply',
            description: '',
            parts: [createTextPart(text)],
            metadata: undefined,
            extensions: [],
          },
          append,
          lastChunk,
          metadata: undefined,
        }),
      );
    };

    const pending = new PendingDeltas((text) => {
      publishChunk(text, appending, false);
      appending = true;
    });

    let result: TurnResult;
    try {
      result = await this.runner.runTurn(
        {
          contextId,
          taskId,
          messageId: userMessage.messageId,
          text: textOfMessage(userMessage),
          metadata: turnMetadataOf(requestContext.request),
          signal,
        },
        {
          onDelta: (text) => pending.add(text),
          onReset: () => {
            pending.take();
            appending = false;
          },
        },
      );
    } catch (error) {
      pending.flush();
      // Thrown only when nothing was stored: invalid input or the database refused the user message.
      const meshError = isMeshError(error)
        ? error
        : new MeshError(
            'INTERNAL',
            `The turn failed: ${(error as Error).message}`,
            {},
            { cause: error },
          );
      if (!isMeshError(error))
        this.logger.error({ err: error, taskId }, 'turn failed before it was stored');
      this.publishFinal(
        eventBus,
        taskId,
        contextId,
        TaskState.TASK_STATE_FAILED,
        meshError.message,
        {
          agent: this.runner.appName,
          model: this.runner.modelName,
          error: meshError.toJSON(),
        },
      );
      return { status: 'failed' };
    }

    // The last chunk replaces the streamed ones, so text still waiting is not sent before it.
    const streamed = appending || pending.take() !== '';
    if (result.text !== '' || streamed) publishChunk(result.text, false, true);
    const metadata: Record<string, unknown> = {
      agent: result.appName,
      model: result.model,
      contextWindow: result.contextWindow,
      usage: result.usage,
      sessionId: result.sessionId,
      userId: result.userId,
      sessionBehavior: result.behavior,
    };
    if (result.replayed) metadata.replayed = true;
    if (result.delegatedTo !== undefined) metadata.delegatedTo = result.delegatedTo;
    if (result.compaction !== undefined) metadata.compaction = result.compaction;
    let statusText: string | undefined;
    if (result.status === 'failed' && result.error) {
      metadata.error = result.error;
      statusText = result.error.message;
    } else if (result.status === 'interrupted') {
      metadata.interrupted = true;
      metadata.error = interruptedError;
      statusText = interruptedError.message;
    } else if (result.status === 'canceled') {
      statusText = 'The reply was canceled; the partial reply is kept.';
    }
    this.publishFinal(eventBus, taskId, contextId, finalState(result), statusText, metadata);
    return { status: result.status, sessionId: result.sessionId, usage: result.usage };
  }

  private publishFinal(
    eventBus: ExecutionEventBus,
    taskId: string,
    contextId: string,
    state: TaskState,
    statusText: string | undefined,
    metadata: Record<string, unknown>,
  ): void {
    eventBus.publish(
      AgentEvent.statusUpdate({
        taskId,
        contextId,
        status: {
          state,
          message:
            statusText === undefined ? undefined : agentMessage(taskId, contextId, statusText),
          timestamp: now(),
        },
        metadata,
      }),
    );
    eventBus.finished();
  }
}
