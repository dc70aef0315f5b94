import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Role, TaskState, type AgentCard, type Message, type Part } from '@a2a-js/sdk';
import {
  AgentEvent,
  DefaultRequestHandler,
  InMemoryTaskStore,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from '@a2a-js/sdk/server';
import { UserBuilder, agentCardHandler, jsonRpcHandler } from '@a2a-js/sdk/server/express';

/** What the scripted agent received, for assertions. */
export interface ReceivedMessage {
  messageId: string;
  contextId: string;
  text: string;
  metadata: Record<string, unknown>;
}

/** Options of the scripted agent. */
export interface ScriptedAgentOptions {
  name?: string;
  /** Pause between streamed words (default 0). */
  delayMs?: number;
  /** Declared in the card's session-persistence extension (default sql; `none` omits the extension). */
  persistence?: 'sql' | 'memory' | 'none';
  /** Port to listen on (default 0: any free port; a fixed one lets a test restart it at the same URL). */
  port?: number;
  /** Bearer token required on A2A calls (401 without it), like an agent with `auth.token`. */
  token?: string;
}

/** A running scripted agent. */
export interface ScriptedAgent {
  url: string;
  port: number;
  received: ReceivedMessage[];
  canceled: string[];
  /** `<method> <path> <Authorization header or "-">` of every HTTP request, card fetches included. */
  requests: string[];
  /** Cuts every open connection (a crashed agent, as far as the gateway can tell). */
  dropConnections(): void;
  /**
   * Ends every running reply after its current word with a failed status marked `interrupted`, as an
   * agent-mesh agent does when it shuts down mid-reply.
   */
  interruptRunning(): void;
  close(): Promise<void>;
}

/** The reply the scripted agent gives: `You said: <text>` (deterministic, word by word). */
export function scriptedReply(text: string): string {
  return `You said: ${text}`;
}

function textPart(text: string): Part {
  return {
    content: { $case: 'text', value: text },
    metadata: undefined,
    filename: '',
    mediaType: 'text/plain',
  };
}

function agentMessage(taskId: string, contextId: string, text: string): Message {
  return {
    messageId: randomUUID(),
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts: [textPart(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/**
 * A real A2A server (the official SDK's request handler and Express bindings) that answers
 * deterministically, streaming like an agent-mesh agent: task, working status, text chunks appended to
 * one artifact, the full text again, then a completed status with usage. Special messages script
 * failures: `fail` ends with a failed status, `restart` replaces the streamed text once, `hang` streams
 * one word and then waits until canceled.
 */
export async function startScriptedAgent(
  options: ScriptedAgentOptions = {},
): Promise<ScriptedAgent> {
  const name = options.name ?? 'assistant';
  const delayMs = options.delayMs ?? 0;
  const received: ReceivedMessage[] = [];
  const canceled: string[] = [];
  const aborts = new Map<string, AbortController>();
  const interrupted = new Set<string>();

  const executor: AgentExecutor = {
    execute: async (context: RequestContext, bus: ExecutionEventBus) => {
      const { taskId, contextId } = context;
      const message = context.userMessage;
      const text = message.parts
        .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
        .join('');
      received.push({
        messageId: message.messageId,
        contextId,
        text,
        metadata: { ...(context.request.metadata ?? {}), ...(message.metadata ?? {}) },
      });
      const abort = new AbortController();
      aborts.set(taskId, abort);
      const status = (
        state: TaskState,
        extra: { text?: string; metadata?: Record<string, unknown> } = {},
      ): void =>
        bus.publish(
          AgentEvent.statusUpdate({
            taskId,
            contextId,
            status: {
              state,
              message:
                extra.text === undefined ? undefined : agentMessage(taskId, contextId, extra.text),
              timestamp: new Date().toISOString(),
            },
            metadata: extra.metadata ?? {},
          }),
        );
      const chunk = (value: string, append: boolean): void =>
        bus.publish(
          AgentEvent.artifactUpdate({
            taskId,
            contextId,
            artifact: {
              artifactId: 'reply',
              name: 'reply',
              description: '',
              parts: [textPart(value)],
              metadata: undefined,
              extensions: [],
            },
            append,
            lastChunk: false,
            metadata: undefined,
          }),
        );
      bus.publish(
        AgentEvent.task({
          id: taskId,
          contextId,
          status: {
            state: TaskState.TASK_STATE_SUBMITTED,
            message: undefined,
            timestamp: new Date().toISOString(),
          },
          artifacts: [],
          history: [message],
          metadata: {},
        }),
      );
      status(TaskState.TASK_STATE_WORKING);
      try {
        if (text === 'fail') {
          status(TaskState.TASK_STATE_FAILED, { text: 'The scripted agent failed on purpose.' });
          return;
        }
        if (text === 'restart') {
          chunk('Draft that will be dropped', false);
          await wait(delayMs, abort.signal);
          chunk('Final', false);
          chunk(' answer', true);
          status(TaskState.TASK_STATE_COMPLETED, { metadata: usageMetadata(3, 2) });
          return;
        }
        const reply = scriptedReply(text);
        const words = reply.split(/(?<= )/);
        let sent = '';
        for (const [index, word] of words.entries()) {
          if (abort.signal.aborted) break;
          if (interrupted.has(taskId)) {
            status(TaskState.TASK_STATE_FAILED, {
              text: 'The agent shut down during the reply.',
              metadata: { interrupted: true },
            });
            return;
          }
          chunk(word, index > 0);
          sent += word;
          if (text === 'hang' && index === 0) await wait(3_600_000, abort.signal);
          else await wait(delayMs, abort.signal);
        }
        if (abort.signal.aborted) {
          status(TaskState.TASK_STATE_CANCELED, { text: 'Canceled.' });
          return;
        }
        chunk(sent, false);
        status(TaskState.TASK_STATE_COMPLETED, {
          metadata: usageMetadata(text.length, sent.length),
        });
      } finally {
        aborts.delete(taskId);
        interrupted.delete(taskId);
        bus.finished();
      }
    },
    cancelTask: async (taskId: string, bus: ExecutionEventBus) => {
      canceled.push(taskId);
      const abort = aborts.get(taskId);
      if (abort) {
        abort.abort();
        return;
      }
      bus.finished();
    },
  };

  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const card: AgentCard = {
    name,
    description: `Scripted test agent ${name}`,
    supportedInterfaces: [{ url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' }],
    provider: undefined,
    version: '0.0.0',
    capabilities: {
      streaming: true,
      pushNotifications: false,
      extendedAgentCard: false,
      extensions:
        options.persistence === 'none'
          ? []
          : [
              {
                uri: 'https://agent-mesh.dev/extensions/session-persistence/v1',
                description: 'test',
                required: false,
                params: { persistence: options.persistence ?? 'sql' },
              },
            ],
    },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [],
    signatures: [],
  };
  const requestHandler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor);
  const requests: string[] = [];
  const app = express();
  app.use((request, response, next) => {
    const authorization = request.header('authorization');
    requests.push(`${request.method} ${request.path} ${authorization ?? '-'}`);
    if (options.token !== undefined && request.method === 'POST') {
      if (authorization !== `Bearer ${options.token}`) {
        response
          .status(401)
          .setHeader('WWW-Authenticate', 'Bearer')
          .json({
            jsonrpc: '2.0',
            id: null,
            error: { code: -32600, message: 'Bearer token required.' },
          });
        return;
      }
    }
    next();
  });
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: requestHandler }));
  app.post(
    '/',
    express.json(),
    jsonRpcHandler({ requestHandler, userBuilder: UserBuilder.noAuthentication }),
  );
  server.on('request', app);

  return {
    url,
    port,
    received,
    canceled,
    requests,
    interruptRunning: () => {
      for (const taskId of aborts.keys()) interrupted.add(taskId);
    },
    dropConnections: () => {
      for (const abort of aborts.values()) abort.abort();
      server.closeAllConnections();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const abort of aborts.values()) abort.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function usageMetadata(inputTokens: number, outputTokens: number): Record<string, unknown> {
  return {
    usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, calls: [] },
    contextWindow: 4096,
    model: 'scripted/test',
  };
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
