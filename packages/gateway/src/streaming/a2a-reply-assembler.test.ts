import { describe, expect, it } from 'vitest';
import { Role, TaskState, type Part, type StreamResponse } from '@a2a-js/sdk';
import { A2aReplyAssembler, usageFrom } from './a2a-reply-assembler.js';

function part(text: string): Part {
  return {
    content: { $case: 'text', value: text },
    metadata: undefined,
    filename: '',
    mediaType: 'text/plain',
  };
}

function artifact(text: string, append: boolean, id = 'reply'): StreamResponse {
  return {
    payload: {
      $case: 'artifactUpdate',
      value: {
        taskId: 'agent-task-1',
        contextId: 'web-session-x',
        artifact: {
          artifactId: id,
          name: '',
          description: '',
          parts: [part(text)],
          metadata: undefined,
          extensions: [],
        },
        append,
        lastChunk: false,
        metadata: undefined,
      },
    },
  };
}

function status(
  state: TaskState,
  text?: string,
  metadata: Record<string, unknown> = {},
): StreamResponse {
  return {
    payload: {
      $case: 'statusUpdate',
      value: {
        taskId: 'agent-task-1',
        contextId: 'web-session-x',
        status: {
          state,
          timestamp: undefined,
          message:
            text === undefined
              ? undefined
              : {
                  messageId: 'm',
                  contextId: 'web-session-x',
                  taskId: 'agent-task-1',
                  role: Role.ROLE_AGENT,
                  parts: [part(text)],
                  metadata: undefined,
                  extensions: [],
                  referenceTaskIds: [],
                },
        },
        metadata,
      },
    },
  };
}

describe('A2aReplyAssembler', () => {
  it('appends artifact chunks and ignores the complete copy at the end', () => {
    const assembler = new A2aReplyAssembler();
    const changes = [
      artifact('Hello', false),
      artifact(' world', true),
      artifact('Hello world', false),
    ].flatMap((response) => assembler.accept(response).text);
    expect(changes).toEqual([
      { kind: 'append', text: 'Hello' },
      { kind: 'append', text: ' world' },
    ]);
    expect(assembler.replyText).toBe('Hello world');
  });

  it('replaces the text when the agent restarts its reply', () => {
    const assembler = new A2aReplyAssembler();
    assembler.accept(artifact('Draft', false));
    expect(assembler.accept(artifact('Better', false)).text).toEqual([
      { kind: 'replace', text: 'Better' },
    ]);
    expect(assembler.accept(artifact(' one', true)).text).toEqual([
      { kind: 'append', text: ' one' },
    ]);
  });

  it('reads the final status: usage, context window, kept metadata and the agent task id', () => {
    const assembler = new A2aReplyAssembler();
    const step = assembler.accept(
      status(TaskState.TASK_STATE_COMPLETED, undefined, {
        usage: { inputTokens: 10, outputTokens: 4, totalTokens: 14, calls: [] },
        contextWindow: 4096,
        model: 'builtin/recall',
        userId: 'anon-1',
      }),
    );
    expect(step.agentTaskId).toBe('agent-task-1');
    expect(step.final).toEqual({
      status: 'completed',
      usage: { inputTokens: 10, outputTokens: 4, totalTokens: 14, contextWindow: 4096 },
    });
    expect(step.metadata).toEqual({ model: 'builtin/recall', contextWindow: 4096 });
  });

  it('keeps the compaction note and the input tokens of the last model call of a turn', () => {
    const assembler = new A2aReplyAssembler();
    const step = assembler.accept(
      status(TaskState.TASK_STATE_COMPLETED, undefined, {
        usage: {
          inputTokens: 1700,
          outputTokens: 30,
          totalTokens: 1730,
          calls: [{ inputTokens: 1400 }, { inputTokens: 300, outputTokens: 30 }],
        },
        contextWindow: 1500,
        compaction: { turnsCompacted: 3, tokensBefore: 1400, tokensAfter: 280 },
      }),
    );
    const note = { turnsCompacted: 3, tokensBefore: 1400, tokensAfter: 280 };
    expect(step.final).toMatchObject({ status: 'completed', compaction: note });
    expect(step.metadata).toEqual({
      contextWindow: 1500,
      compaction: note,
      contextInputTokens: 300,
    });
    // A malformed note is not passed on.
    const odd = new A2aReplyAssembler().accept(
      status(TaskState.TASK_STATE_COMPLETED, undefined, { compaction: { turnsCompacted: '3' } }),
    );
    expect(odd.final).toEqual({ status: 'completed' });
    expect(odd.metadata).toBeUndefined();
  });

  it('maps failed, interrupted and canceled final states', () => {
    expect(
      new A2aReplyAssembler().accept(status(TaskState.TASK_STATE_FAILED, 'model down')).final,
    ).toEqual({
      status: 'failed',
      error: 'model down',
    });
    expect(
      new A2aReplyAssembler().accept(
        status(TaskState.TASK_STATE_FAILED, 'shut down', { interrupted: true }),
      ).final?.status,
    ).toBe('interrupted');
    expect(
      new A2aReplyAssembler().accept(status(TaskState.TASK_STATE_CANCELED)).final?.status,
    ).toBe('canceled');
  });

  it('takes text from status messages when an agent streams no artifacts', () => {
    const assembler = new A2aReplyAssembler();
    assembler.accept(status(TaskState.TASK_STATE_WORKING, 'Hel'));
    assembler.accept(status(TaskState.TASK_STATE_WORKING, 'Hello'));
    const last = assembler.accept(status(TaskState.TASK_STATE_COMPLETED, 'Hello'));
    expect(assembler.replyText).toBe('Hello');
    expect(last.final?.status).toBe('completed');
    const direct = new A2aReplyAssembler();
    direct.accept(status(TaskState.TASK_STATE_COMPLETED, 'Only at the end'));
    expect(direct.replyText).toBe('Only at the end');
  });

  it('reports each status change once', () => {
    const assembler = new A2aReplyAssembler();
    expect(assembler.accept(status(TaskState.TASK_STATE_WORKING)).statuses).toEqual([
      { state: 'working' },
    ]);
    expect(assembler.accept(status(TaskState.TASK_STATE_WORKING)).statuses).toEqual([]);
  });

  it('reads snake_case usage too', () => {
    expect(usageFrom({ usage: { prompt_tokens: 3, completion_tokens: 2 } })).toEqual({
      inputTokens: 3,
      outputTokens: 2,
      totalTokens: 5,
    });
    expect(usageFrom({ usage: {} })).toBeUndefined();
  });
});
