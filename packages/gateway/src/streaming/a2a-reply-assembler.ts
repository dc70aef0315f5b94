import { TaskState, type Message, type Part, type StreamResponse, type Task } from '@a2a-js/sdk';
import type { CompactionNote, FinalTaskStatus, TaskUsage } from '../store/gateway-store.js';

/** A change of the reply text: more text, or (after the agent restarted its answer) a replacement. */
export type ReplyTextChange = { kind: 'append'; text: string } | { kind: 'replace'; text: string };

/** What one A2A stream response means for the reply being recorded. */
export interface ReplyStep {
  /** Text changes, in order. */
  text: ReplyTextChange[];
  /** Status changes worth showing (working, input-required...). */
  statuses: { state: string; message?: string }[];
  /** The agent's id of the task, once known (needed to cancel it). */
  agentTaskId?: string;
  /** Agent facts worth keeping with the task (model, agent session id...), from the final status. */
  metadata?: Record<string, unknown>;
  /** Set when the response ends the reply (`compaction` when the agent compacted during the turn). */
  final?: {
    status: FinalTaskStatus;
    usage?: TaskUsage;
    error?: string;
    compaction?: CompactionNote;
  };
}

const stateNames: Partial<Record<TaskState, string>> = {
  [TaskState.TASK_STATE_SUBMITTED]: 'submitted',
  [TaskState.TASK_STATE_WORKING]: 'working',
  [TaskState.TASK_STATE_COMPLETED]: 'completed',
  [TaskState.TASK_STATE_FAILED]: 'failed',
  [TaskState.TASK_STATE_CANCELED]: 'canceled',
  [TaskState.TASK_STATE_INPUT_REQUIRED]: 'input-required',
  [TaskState.TASK_STATE_REJECTED]: 'rejected',
  [TaskState.TASK_STATE_AUTH_REQUIRED]: 'auth-required',
};

/** Final-status metadata keys kept with the task. */
const keptMetadataKeys = [
  'model',
  'sessionId',
  'sessionBehavior',
  'delegatedTo',
  'replayed',
  'contextWindow',
];

/**
 * Turns A2A stream responses (task snapshots, status updates, artifact updates, messages) into reply
 * text changes and a final outcome. The reply is the concatenation of the task's text artifacts: an
 * update with `append` adds to its artifact, one without replaces it (agents re-send the whole text at
 * the end, or restart a reply after a retried model call). Agents that stream text in `working` status
 * messages instead are understood too. Usage comes from the final status metadata (`usage`,
 * `contextWindow`), and so does the note of a compaction the agent made during the turn; `metadata.interrupted` on a failed status means the agent was shut down mid-reply.
 */
export class A2aReplyAssembler {
  private text = '';
  private statusText = '';
  private readonly artifacts = new Map<string, string>();
  private lastState: string | undefined;

  /** The reply text assembled so far. */
  get replyText(): string {
    return this.text;
  }

  /** Interprets one stream response. */
  accept(response: StreamResponse): ReplyStep {
    const step: ReplyStep = { text: [], statuses: [] };
    const payload = response.payload;
    if (!payload) return step;
    switch (payload.$case) {
      case 'task':
        this.acceptTask(payload.value, step);
        break;
      case 'message':
        if (this.text.length === 0) this.setText(textOf(payload.value.parts), step);
        step.final = { status: 'completed', ...usageField(payload.value.metadata) };
        break;
      case 'statusUpdate': {
        const update = payload.value;
        if (update.taskId) step.agentTaskId = update.taskId;
        if (update.status) {
          this.acceptStatus(update.status.state, update.status.message, step, {
            ...(update.status.message?.metadata ?? {}),
            ...(update.metadata ?? {}),
          });
        }
        break;
      }
      case 'artifactUpdate': {
        const update = payload.value;
        if (update.taskId) step.agentTaskId = update.taskId;
        if (update.artifact) {
          this.acceptArtifact(
            update.artifact.artifactId,
            textOf(update.artifact.parts),
            update.append,
            step,
          );
        }
        break;
      }
    }
    return step;
  }

  private acceptTask(task: Task, step: ReplyStep): void {
    if (task.id) step.agentTaskId = task.id;
    for (const artifact of task.artifacts ?? []) {
      this.acceptArtifact(artifact.artifactId, textOf(artifact.parts), false, step);
    }
    if (task.status) {
      this.acceptStatus(task.status.state, task.status.message, step, {
        ...(task.status.message?.metadata ?? {}),
        ...(task.metadata ?? {}),
      });
    }
  }

  private acceptStatus(
    state: TaskState,
    message: Message | undefined,
    step: ReplyStep,
    metadata: Record<string, unknown>,
  ): void {
    const name = stateNames[state] ?? 'unknown';
    const messageText = message ? textOf(message.parts) : '';
    const final = (status: FinalTaskStatus, error?: string): void => {
      const compaction = compactionNoteFrom(metadata);
      step.final = {
        status,
        ...usageField(metadata),
        ...(error ? { error } : {}),
        ...(compaction ? { compaction } : {}),
      };
      const kept: Record<string, unknown> = Object.fromEntries(
        keptMetadataKeys
          .filter((key) => metadata[key] !== undefined)
          .map((key) => [key, metadata[key]]),
      );
      if (compaction) kept.compaction = compaction;
      const contextInputTokens = lastCallInputTokens(metadata);
      if (contextInputTokens !== undefined) kept.contextInputTokens = contextInputTokens;
      if (Object.keys(kept).length > 0) step.metadata = kept;
    };
    switch (state) {
      case TaskState.TASK_STATE_COMPLETED:
        // An agent that sends its answer only in the final status message.
        if (this.text.length === 0) this.setText(messageText, step);
        final('completed');
        return;
      case TaskState.TASK_STATE_INPUT_REQUIRED:
      case TaskState.TASK_STATE_AUTH_REQUIRED:
        // The agent waits for the user: its question is the reply, and the next message answers it.
        if (this.text.length === 0) this.setText(messageText, step);
        step.statuses.push({ state: name, ...(messageText ? { message: messageText } : {}) });
        final('completed');
        return;
      case TaskState.TASK_STATE_FAILED:
      case TaskState.TASK_STATE_REJECTED:
        final(
          metadata.interrupted === true ? 'interrupted' : 'failed',
          messageText || errorMessageOf(metadata) || `The agent reported the task as ${name}.`,
        );
        return;
      case TaskState.TASK_STATE_CANCELED:
        final('canceled');
        return;
      case TaskState.TASK_STATE_SUBMITTED:
      case TaskState.TASK_STATE_WORKING:
      case TaskState.TASK_STATE_UNSPECIFIED:
      case TaskState.UNRECOGNIZED:
        if (name !== this.lastState && name !== 'unknown') {
          this.lastState = name;
          step.statuses.push({ state: name });
        }
        if (messageText && this.artifacts.size === 0) {
          // Text streamed in status messages, as chunks or as the whole text so far.
          this.statusText = messageText.startsWith(this.statusText)
            ? messageText
            : this.statusText + messageText;
          this.setText(this.statusText, step);
        }
        return;
    }
  }

  private acceptArtifact(id: string, text: string, append: boolean, step: ReplyStep): void {
    const previous = this.artifacts.get(id);
    if (previous === undefined && text.length === 0) return;
    this.artifacts.set(id, append && previous !== undefined ? previous + text : text);
    this.setText([...this.artifacts.values()].join(''), step);
  }

  /** Moves the reply to `full`: a tail when it extends the text so far, a replacement otherwise. */
  private setText(full: string, step: ReplyStep): void {
    if (full === this.text) return;
    if (full.startsWith(this.text))
      step.text.push({ kind: 'append', text: full.slice(this.text.length) });
    else step.text.push({ kind: 'replace', text: full });
    this.text = full;
  }
}

/** Concatenates the text parts of a message or artifact. */
export function textOf(parts: readonly Part[] | undefined): string {
  let text = '';
  for (const part of parts ?? []) {
    if (part.content?.$case === 'text') text += part.content.value;
  }
  return text;
}

/** Reads token usage from status metadata: `usage` ({inputTokens...} or snake_case) and `contextWindow`. */
export function usageFrom(metadata: Record<string, unknown> | undefined): TaskUsage | undefined {
  if (!metadata) return undefined;
  const raw = metadata.usage;
  if (typeof raw !== 'object' || raw === null) return undefined;
  const usage = raw as Record<string, unknown>;
  const inputTokens = numberOf(usage.inputTokens ?? usage.input_tokens ?? usage.prompt_tokens);
  const outputTokens = numberOf(
    usage.outputTokens ?? usage.output_tokens ?? usage.completion_tokens,
  );
  if (inputTokens === undefined && outputTokens === undefined) return undefined;
  const totalTokens =
    numberOf(usage.totalTokens ?? usage.total_tokens) ?? (inputTokens ?? 0) + (outputTokens ?? 0);
  const contextWindow = numberOf(metadata.contextWindow ?? usage.contextWindow);
  return {
    inputTokens: inputTokens ?? 0,
    outputTokens: outputTokens ?? 0,
    totalTokens,
    ...(contextWindow !== undefined ? { contextWindow } : {}),
  };
}

/**
 * Reads the note an agent puts in a turn's final metadata when it compacted its context during the turn:
 * `compaction: { turnsCompacted, tokensBefore, tokensAfter }` (all numbers, or it is ignored).
 */
export function compactionNoteFrom(
  metadata: Record<string, unknown> | undefined,
): CompactionNote | undefined {
  const raw = metadata?.compaction;
  if (typeof raw !== 'object' || raw === null) return undefined;
  const note = raw as Record<string, unknown>;
  const turnsCompacted = numberOf(note.turnsCompacted);
  const tokensBefore = numberOf(note.tokensBefore);
  const tokensAfter = numberOf(note.tokensAfter);
  if (turnsCompacted === undefined || tokensBefore === undefined || tokensAfter === undefined) {
    return undefined;
  }
  return { turnsCompacted, tokensBefore, tokensAfter };
}

/**
 * The input tokens of the turn's last model call (`usage.calls`, as agent-mesh agents report them): the
 * size of the agent's context after the turn, which the turn's summed `inputTokens` overstates when the
 * turn made several calls.
 */
function lastCallInputTokens(metadata: Record<string, unknown>): number | undefined {
  const usage = metadata.usage;
  if (typeof usage !== 'object' || usage === null) return undefined;
  const calls = (usage as { calls?: unknown }).calls;
  if (!Array.isArray(calls)) return undefined;
  for (let index = calls.length - 1; index >= 0; index -= 1) {
    const value = numberOf((calls[index] as { inputTokens?: unknown } | null)?.inputTokens);
    if (value !== undefined) return value;
  }
  return undefined;
}

function usageField(metadata: Record<string, unknown> | undefined): { usage?: TaskUsage } {
  const usage = usageFrom(metadata);
  return usage ? { usage } : {};
}

function errorMessageOf(metadata: Record<string, unknown>): string | undefined {
  const error = metadata.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? message : undefined;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
