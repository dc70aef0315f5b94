import { randomUUID } from 'node:crypto';
import { Role, TaskState, type SendMessageRequest, type StreamResponse } from '@a2a-js/sdk';
import { DefaultRequestHandler, InMemoryTaskStore, ServerCallContext } from '@a2a-js/sdk/server';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { createLogger, type AgentConfig } from '@agent-mesh/shared';
import { BuiltinRecallModel } from '../models/index.js';
import { Runner } from '../runner/runner.js';
import { MemorySessionService } from '../sessions/memory-session-service.js';
import { textOfParts } from './a2a-parts.js';
import { createAgentCard } from './agent-card.js';
import { GuardedRequestHandler } from './guarded-request-handler.js';
import { RunnerAgentExecutor } from './runner-agent-executor.js';

const logger = createLogger('executor-test', { level: 'silent' });

const config: AgentConfig = {
  name: 'assistant',
  description: '',
  host: '127.0.0.1',
  port: 0,
  instruction: 'You are a helpful assistant.',
  model: { provider: 'builtin', name: 'recall', delay_ms: 0, timeout_ms: 120_000 },
  session_service: {
    type: 'memory',
    default_behavior: 'PERSISTENT',
    pool: { max_connections: 10, connect_timeout_ms: 10_000, idle_timeout_ms: 30_000 },
  },
  auto_summarization: { enabled: true, compaction_percentage: 0.25 },
  peers: [],
  auth: { token: '' },
  limits: { max_message_bytes: 1000 },
};

function setup(model: LanguageModelV3 = new BuiltinRecallModel({ contextWindow: 4096 })) {
  const sessions = new MemorySessionService();
  const runner = new Runner({
    appName: 'assistant',
    instruction: config.instruction,
    model,
    modelLabel: { provider: 'builtin', name: 'recall' },
    contextWindow: 4096,
    sessionService: sessions,
    defaultBehavior: 'PERSISTENT',
    maxMessageBytes: config.limits.max_message_bytes,
    maxRetries: 0,
    logger,
  });
  const executor = new RunnerAgentExecutor(runner, logger);
  const inner = new DefaultRequestHandler(
    createAgentCard(config, 'http://127.0.0.1:1'),
    new InMemoryTaskStore(),
    executor,
  );
  const handler = new GuardedRequestHandler(inner, runner, config.limits.max_message_bytes);
  return { handler, executor, sessions, context: new ServerCallContext() };
}

function request(
  contextId: string,
  text: string,
  metadata?: Record<string, unknown>,
): SendMessageRequest {
  return {
    tenant: '',
    message: {
      messageId: randomUUID(),
      contextId,
      taskId: '',
      role: Role.ROLE_USER,
      parts: [
        {
          content: { $case: 'text', value: text },
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
    metadata: undefined,
  };
}

async function collect(
  stream: AsyncGenerator<StreamResponse>,
  onEvent?: (event: StreamResponse) => void,
): Promise<StreamResponse[]> {
  const events: StreamResponse[] = [];
  for await (const event of stream) {
    events.push(event);
    onEvent?.(event);
  }
  return events;
}

function lastStatus(events: StreamResponse[]) {
  const statuses = events.flatMap((event) =>
    event.payload?.$case === 'statusUpdate' ? [event.payload.value] : [],
  );
  return statuses.at(-1);
}

describe('RunnerAgentExecutor', () => {
  it('streams the reply as chunks of one artifact and ends with usage, model and session in the metadata', async () => {
    // A pause between words: each word arrives in its own event-loop turn and leaves as its own chunk.
    const { handler, context } = setup(new BuiltinRecallModel({ contextWindow: 4096, delayMs: 1 }));
    const events = await collect(
      handler.sendMessageStream(request('ctx-1', 'My favorite color is blue'), context),
    );
    const kinds = events.map((event) => event.payload?.$case);
    expect(kinds[0]).toBe('task');
    expect(kinds[1]).toBe('statusUpdate');
    const chunks = events.flatMap((event) =>
      event.payload?.$case === 'artifactUpdate' ? [event.payload.value] : [],
    );
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks[0]?.append).toBe(false);
    expect(chunks.slice(1, -1).every((chunk) => chunk.append && !chunk.lastChunk)).toBe(true);
    const last = chunks.at(-1);
    expect(last).toMatchObject({ append: false, lastChunk: true });
    const streamed = chunks
      .slice(0, -1)
      .map((chunk) => textOfParts(chunk.artifact?.parts))
      .join('');
    // The last chunk carries the whole text; words still waiting when the reply ended are only in it.
    expect(textOfParts(last?.artifact?.parts).startsWith(streamed)).toBe(true);
    expect(textOfParts(last?.artifact?.parts)).toContain('blue');

    const final = lastStatus(events);
    expect(final?.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(final?.metadata).toMatchObject({
      agent: 'assistant',
      model: 'builtin/recall',
      contextWindow: 4096,
      sessionId: 'ctx-1',
      userId: 'anonymous',
      sessionBehavior: 'PERSISTENT',
      usage: {
        inputTokens: expect.any(Number),
        outputTokens: expect.any(Number),
        totalTokens: expect.any(Number),
      },
    });

    // The stored task keeps the reply as one part, not the streamed pieces.
    const task = await handler.getTask({ tenant: '', id: final?.taskId ?? '' }, context);
    expect(task.artifacts).toHaveLength(1);
    expect(task.artifacts[0]?.parts).toHaveLength(1);
    expect(textOfParts(task.artifacts[0]?.parts)).toBe(textOfParts(last?.artifact?.parts));
  });

  it('sends a reply that is complete at once as its last chunk alone, not word by word', async () => {
    const { handler, context } = setup();
    const events = await collect(
      handler.sendMessageStream(request('ctx-burst', 'My favorite color is blue'), context),
    );
    const chunks = events.flatMap((event) =>
      event.payload?.$case === 'artifactUpdate' ? [event.payload.value] : [],
    );
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatchObject({ append: false, lastChunk: true });
    expect(textOfParts(chunks[0]?.artifact?.parts)).toContain('blue');
    expect(lastStatus(events)?.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('cancels a running reply on tasks/cancel', async () => {
    const { handler, context, sessions } = setup(new BuiltinRecallModel({ delayMs: 30 }));
    let cancel: Promise<unknown> | undefined;
    const events = await collect(
      handler.sendMessageStream(
        request('ctx-cancel', 'My name is Ada and I live in Paris and I work at CERN'),
        context,
      ),
      (event) => {
        if (event.payload?.$case === 'artifactUpdate' && cancel === undefined) {
          cancel = handler.cancelTask(
            { tenant: '', id: event.payload.value.taskId, metadata: undefined },
            context,
          );
        }
      },
    );
    const canceledTask = (await cancel) as { status?: { state: TaskState } };
    expect(canceledTask.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect(lastStatus(events)?.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const stored = await sessions.listEvents(
      { appName: 'assistant', userId: 'anonymous', sessionId: 'ctx-cancel' },
      { limit: 10 },
    );
    expect(stored.events.map((event) => event.author)).toEqual(['user', 'assistant']);
  });

  it('lets a second client resubscribe to a running task and follow it to the end', async () => {
    const { handler, context } = setup(new BuiltinRecallModel({ delayMs: 20 }));
    let resubscribed: Promise<StreamResponse[]> | undefined;
    const events = await collect(
      handler.sendMessageStream(
        request('ctx-resubscribe', 'My name is Ada and I live in Paris'),
        context,
      ),
      (event) => {
        if (event.payload?.$case === 'artifactUpdate' && resubscribed === undefined) {
          resubscribed = collect(
            handler.resubscribe({ tenant: '', id: event.payload.value.taskId }, context),
          );
        }
      },
    );
    const followed = (await resubscribed) ?? [];
    expect(lastStatus(followed)?.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(lastStatus(followed)?.metadata).toEqual(lastStatus(events)?.metadata);
    const finalChunk = followed
      .flatMap((event) => (event.payload?.$case === 'artifactUpdate' ? [event.payload.value] : []))
      .at(-1);
    expect(textOfParts(finalChunk?.artifact?.parts)).toContain('Paris');
  });

  it('fails the task with the model error in status message and metadata', async () => {
    const model = new MockLanguageModelV3({
      doStream: () => Promise.reject(new Error('upstream exploded')),
    });
    const { handler, context } = setup(model);
    const events = await collect(handler.sendMessageStream(request('ctx-fail', 'hello'), context));
    const final = lastStatus(events);
    expect(final?.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(final?.metadata?.error).toMatchObject({ code: 'LLM_CALL_FAILED' });
    expect(textOfParts(final?.status?.message?.parts)).toContain('upstream exploded');
  });

  it('marks running replies interrupted on shutdown', async () => {
    const { handler, executor, context } = setup(new BuiltinRecallModel({ delayMs: 30 }));
    let interrupting: Promise<void> | undefined;
    const events = await collect(
      handler.sendMessageStream(request('ctx-stop', 'My name is Ada and I live in Paris'), context),
      (event) => {
        if (event.payload?.$case === 'artifactUpdate') interrupting ??= executor.interruptAll();
      },
    );
    await interrupting;
    const final = lastStatus(events);
    expect(final?.status?.state).toBe(TaskState.TASK_STATE_FAILED);
    expect(final?.metadata).toMatchObject({
      interrupted: true,
      error: { code: 'AGENT_UNAVAILABLE' },
    });
    expect(executor.runningCount).toBe(0);
  });

  it('rejects an oversized message or bad metadata as invalid params before a task exists', async () => {
    const { handler, context, sessions } = setup();
    await expect(
      collect(handler.sendMessageStream(request('ctx-big', 'x'.repeat(1001)), context)),
    ).rejects.toThrow(/1001 bytes; agent "assistant" accepts at most 1000 bytes/);
    await expect(
      handler.sendMessage(request('ctx-bad', 'hi', { sessionBehavior: 'FOREVER' }), context),
    ).rejects.toThrow(/sessionBehavior" must be one of: PERSISTENT, RUN_BASED/);
    expect(await sessions.listSessions('assistant', 'anonymous', { limit: 10 })).toEqual({
      sessions: [],
      nextCursor: null,
    });
  });
});
