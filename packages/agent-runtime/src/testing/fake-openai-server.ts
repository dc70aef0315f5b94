import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { answerFromTranscript } from '../models/builtin/answer-from-transcript.js';
import type { TranscriptMessage } from '../models/builtin/answer-from-transcript.js';
import {
  createContextLengthExceededBody,
  exceedsContextWindow,
} from '../models/builtin/context-length-exceeded.js';
import { formatToolCall, formatToolResult } from '../models/builtin/prompt-to-transcript.js';
import { estimateTokens, estimateTranscriptTokens } from '../models/estimate-tokens.js';

/** A tool call a scripted reply asks the client to make. */
export interface FakeToolCall {
  name: string;
  /** An object (sent as JSON) or the raw arguments string. */
  arguments: Record<string, unknown> | string;
  /** Defaults to `call_<n>`. */
  id?: string;
}

/** What the fake model answers: text, or text and/or tool calls. */
export type FakeReply = string | { content?: string; toolCalls?: FakeToolCall[] };

/** A way for a request to fail, as real servers and networks fail. */
export type FakeFailure =
  /** Answer with this HTTP status and body (default: OpenAI's error JSON for the status). */
  | { type: 'status'; status: number; body?: string }
  /** HTTP 200 whose JSON (or SSE `data:` line) is cut off mid-object. */
  | { type: 'malformed-json' }
  /** HTTP 200 with an HTML page instead of JSON or SSE. */
  | { type: 'garbage' }
  /** Streams (or writes) `afterChunks` chunks of the reply (default 2), then destroys the socket. */
  | { type: 'reset-mid-stream'; afterChunks?: number }
  /** Destroys the socket before sending anything. */
  | { type: 'reset' }
  /** HTTP 200 SSE whose first `data:` line is an error payload (what vLLM and LiteLLM send). */
  | { type: 'stream-error'; error?: Record<string, unknown> };

/** Decides per request whether it fails; `index` counts chat requests from 0. */
export type FakeFailurePolicy =
  FakeFailure | ((request: FakeRecordedRequest, index: number) => FakeFailure | undefined);

/** Options of the fake server; every one is optional. */
export interface FakeOpenAiServerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The model id listed by `GET /v1/models` (default `fake-recall`); requests may name any model. */
  model?: string;
  /** When set, a request whose estimated prompt (plus max_tokens) exceeds it gets OpenAI's HTTP 400. */
  contextWindow?: number;
  /** Scripts the answer; default: the built-in model's deterministic recall answer. */
  reply?: (messages: TranscriptMessage[], request: FakeChatRequest) => FakeReply;
  /** Makes requests fail; see FakeFailure. */
  failWith?: FakeFailurePolicy;
  /** Pause before the response starts (a slow server), in ms. */
  responseDelayMs?: number;
  /** Pause between streamed chunks, in ms. */
  chunkDelayMs?: number;
  /** When set, requests must send `Authorization: Bearer <apiKey>` or get HTTP 401. */
  apiKey?: string;
}

/** The parts of a chat-completions request body the fake reads. */
export interface FakeChatRequest {
  model?: string;
  messages: WireMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  tools?: unknown[];
  [key: string]: unknown;
}

/** A request as the fake server received it. */
export interface FakeRecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it was not JSON, or undefined when empty. */
  body: unknown;
}

/** A running fake server. */
export interface FakeOpenAiServer {
  /** The API root to use as `base_url`, e.g. `http://127.0.0.1:41234/v1`. */
  url: string;
  /** `http://host:port` without the `/v1`. */
  origin: string;
  port: number;
  /** Every request received, in order. */
  requests: FakeRecordedRequest[];
  /** Changes (or clears) the failure policy for the following requests. */
  setFailWith(policy: FakeFailurePolicy | undefined): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

interface WireMessage {
  role: string;
  content?: string | Array<{ type: string; text?: string }> | null;
  tool_calls?: Array<{ id?: string; function?: { name?: string; arguments?: string } }>;
  tool_call_id?: string;
  name?: string;
}

/** The payload of a `stream-error` failure unless the test gives its own. */
const defaultStreamError = {
  message: 'The model crashed while generating.',
  type: 'server_error',
  param: null,
  code: null,
};

interface ResolvedReply {
  content: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
}

/**
 * Starts a real HTTP server speaking OpenAI's chat-completions wire format (JSON and SSE streaming,
 * usage, tool calls, `GET /v1/models`, the real `context_length_exceeded` error) that answers with the
 * built-in model's recall logic by default, so tests and benches exercise the real openai-compatible path.
 */
export async function startFakeOpenAiServer(
  options: FakeOpenAiServerOptions = {},
): Promise<FakeOpenAiServer> {
  const requests: FakeRecordedRequest[] = [];
  let failWith = options.failWith;
  let chatCount = 0;
  let responseCount = 0;
  const modelId = options.model ?? 'fake-recall';

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        sendError(
          response,
          500,
          String(error instanceof Error ? error.message : error),
          'server_error',
        );
      } else {
        response.destroy();
      }
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = await readBody(request);
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const recorded: FakeRecordedRequest = {
      method: request.method ?? 'GET',
      path,
      headers: request.headers,
      body: parseBody(rawBody),
    };
    requests.push(recorded);

    if (
      options.apiKey !== undefined &&
      request.headers.authorization !== `Bearer ${options.apiKey}`
    ) {
      sendError(
        response,
        401,
        'Incorrect API key provided.',
        'invalid_request_error',
        'invalid_api_key',
      );
      return;
    }
    if (recorded.method === 'GET' && path === '/v1/models') {
      sendJson(response, 200, {
        object: 'list',
        data: [{ id: modelId, object: 'model', created: 0, owned_by: 'agent-mesh' }],
      });
      return;
    }
    if (recorded.method !== 'POST' || path !== '/v1/chat/completions') {
      sendError(
        response,
        404,
        `Unknown request URL: ${recorded.method} ${path}.`,
        'invalid_request_error',
        'unknown_url',
      );
      return;
    }
    const index = chatCount++;
    if (options.responseDelayMs !== undefined) await sleep(options.responseDelayMs);

    const failure = typeof failWith === 'function' ? failWith(recorded, index) : failWith;
    if (failure?.type === 'reset') {
      request.socket.destroy();
      return;
    }
    if (failure?.type === 'status') {
      sendStatusFailure(response, failure.status, failure.body);
      return;
    }

    const body = recorded.body;
    if (!isChatRequest(body)) {
      sendError(
        response,
        400,
        typeof body === 'string' || body === undefined
          ? 'We could not parse the JSON body of your request.'
          : "Missing required parameter: 'messages'.",
        'invalid_request_error',
      );
      return;
    }
    const transcript = wireToTranscript(body.messages);
    const promptTokens = estimateTranscriptTokens(transcript);
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? undefined;
    if (options.contextWindow !== undefined) {
      const sizes = {
        contextWindow: options.contextWindow,
        promptTokens,
        completionTokens: maxTokens,
      };
      if (exceedsContextWindow(sizes)) {
        sendRaw(response, 400, 'application/json', createContextLengthExceededBody(sizes));
        return;
      }
    }

    const reply = resolveReply(
      options.reply ? options.reply(transcript, body) : answerFromTranscript(transcript),
    );
    const completionTokens = estimateTokens(
      reply.content +
        reply.toolCalls.map((call) => formatToolCall(call.name, call.arguments)).join(''),
    );
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    };
    const id = `chatcmpl-fake-${++responseCount}`;
    const model = body.model ?? modelId;
    const finishReason = reply.toolCalls.length > 0 ? 'tool_calls' : 'stop';

    if (body.stream === true) {
      await streamReply(response, {
        id,
        model,
        reply,
        finishReason,
        usage: body.stream_options?.include_usage === true ? usage : undefined,
        failure,
      });
      return;
    }

    const completion = JSON.stringify({
      id,
      object: 'chat.completion',
      created: nowSeconds(),
      model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: reply.toolCalls.length > 0 && reply.content === '' ? null : reply.content,
            ...(reply.toolCalls.length > 0
              ? { tool_calls: reply.toolCalls.map(toWireToolCall) }
              : {}),
            refusal: null,
          },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage,
    });
    switch (failure?.type) {
      case 'malformed-json':
        sendRaw(
          response,
          200,
          'application/json',
          completion.slice(0, Math.floor(completion.length / 2)),
        );
        return;
      case 'garbage':
        sendRaw(response, 200, 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>');
        return;
      case 'reset-mid-stream':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write(completion.slice(0, Math.floor(completion.length / 2)));
        await sleep(10);
        request.socket.destroy();
        return;
      case 'stream-error':
        sendJson(response, 200, { error: failure.error ?? defaultStreamError });
        return;
      case undefined:
        sendRaw(response, 200, 'application/json', completion);
        return;
    }
  }

  async function streamReply(
    response: ServerResponse,
    stream: {
      id: string;
      model: string;
      reply: ResolvedReply;
      finishReason: string;
      usage: Record<string, number> | undefined;
      failure: FakeFailure | undefined;
    },
  ): Promise<void> {
    const { id, model, reply, finishReason, usage, failure } = stream;
    if (failure?.type === 'garbage') {
      sendRaw(response, 200, 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>');
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const created = nowSeconds();
    const includeUsageField = usage !== undefined ? { usage: null } : {};
    const chunk = (delta: Record<string, unknown>, finish: string | null): string =>
      JSON.stringify({
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: null,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
        ...includeUsageField,
      });

    const events: string[] = [];
    if (failure?.type === 'stream-error') {
      events.push(
        JSON.stringify({
          error: failure.error ?? defaultStreamError,
        }),
      );
    } else {
      events.push(chunk({ role: 'assistant', content: '', refusal: null }, null));
      for (const word of reply.content.match(/\S+\s*/g) ?? [])
        events.push(chunk({ content: word }, null));
      reply.toolCalls.forEach((call, index) => {
        events.push(
          chunk(
            {
              tool_calls: [
                {
                  index,
                  id: call.id,
                  type: 'function',
                  function: { name: call.name, arguments: '' },
                },
              ],
            },
            null,
          ),
        );
        const half = Math.ceil(call.arguments.length / 2);
        for (const piece of [call.arguments.slice(0, half), call.arguments.slice(half)]) {
          if (piece !== '')
            events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }, null));
        }
      });
      events.push(chunk({}, finishReason));
      if (usage !== undefined) {
        events.push(
          JSON.stringify({
            id,
            object: 'chat.completion.chunk',
            created,
            model,
            system_fingerprint: null,
            choices: [],
            usage,
          }),
        );
      }
      if (failure?.type === 'malformed-json') {
        const broken = events[1] ?? events[0] ?? '{}';
        events.splice(1, 0, broken.slice(0, Math.floor(broken.length / 2)));
      }
    }
    events.push('[DONE]');

    const resetAfter =
      failure?.type === 'reset-mid-stream' ? (failure.afterChunks ?? 2) : undefined;
    for (const [index, event] of events.entries()) {
      if (response.destroyed) return;
      if (resetAfter !== undefined && index >= resetAfter) {
        // Give the client the chunks already written before the connection dies.
        await sleep(20);
        response.socket?.destroy();
        return;
      }
      if (index > 0 && options.chunkDelayMs !== undefined) await sleep(options.chunkDelayMs);
      response.write(`data: ${event}\n\n`);
    }
    response.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const origin = `http://${host}:${address.port}`;

  return {
    url: `${origin}/v1`,
    origin,
    port: address.port,
    requests,
    setFailWith(policy) {
      failWith = policy;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** Turns wire messages into the plain transcript the recall logic and the token estimate read. */
function wireToTranscript(messages: WireMessage[]): TranscriptMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((message): TranscriptMessage => {
    const text = contentText(message.content);
    switch (message.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: text };
      case 'assistant': {
        const calls = (message.tool_calls ?? []).map((call) => {
          const name = call.function?.name ?? 'unknown';
          if (call.id !== undefined) toolNames.set(call.id, name);
          return formatToolCall(name, call.function?.arguments ?? '{}');
        });
        return {
          role: 'assistant',
          content: [text, ...calls].filter((part) => part !== '').join('\n'),
        };
      }
      case 'tool': {
        const name = toolNames.get(message.tool_call_id ?? '') ?? message.name ?? 'unknown';
        return { role: 'tool', content: formatToolResult(name, text) };
      }
      default:
        return { role: 'user', content: text };
    }
  });
}

function contentText(content: WireMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (part.type === 'text' ? (part.text ?? '') : `[${part.type}]`))
    .join('\n');
}

function resolveReply(reply: FakeReply): ResolvedReply {
  if (typeof reply === 'string') return { content: reply, toolCalls: [] };
  return {
    content: reply.content ?? '',
    toolCalls: (reply.toolCalls ?? []).map((call, index) => ({
      id: call.id ?? `call_${index + 1}`,
      name: call.name,
      arguments:
        typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    })),
  };
}

function toWireToolCall(call: ResolvedReply['toolCalls'][number]): Record<string, unknown> {
  return {
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  };
}

function isChatRequest(body: unknown): body is FakeChatRequest {
  return (
    typeof body === 'object' &&
    body !== null &&
    Array.isArray((body as { messages?: unknown }).messages)
  );
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseBody(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

const statusErrors: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Bad request.', type: 'invalid_request_error', code: null },
  401: {
    message: 'Incorrect API key provided.',
    type: 'invalid_request_error',
    code: 'invalid_api_key',
  },
  404: {
    message: 'The model does not exist or you do not have access to it.',
    type: 'invalid_request_error',
    code: 'model_not_found',
  },
  429: {
    message: 'Rate limit reached for requests. Please try again in 1s.',
    type: 'requests',
    code: 'rate_limit_exceeded',
  },
  500: {
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
    code: null,
  },
  503: {
    message: 'The engine is currently overloaded, please try again later.',
    type: 'server_error',
    code: null,
  },
};

function sendStatusFailure(
  response: ServerResponse,
  status: number,
  body: string | undefined,
): void {
  if (body !== undefined) {
    sendRaw(response, status, 'application/json', body);
    return;
  }
  const known = statusErrors[status] ?? {
    message: `HTTP ${status}.`,
    type: 'server_error',
    code: null,
  };
  sendError(response, status, known.message, known.type, known.code);
}

function sendError(
  response: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null = null,
): void {
  sendJson(response, status, { error: { message, type, param: null, code } });
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  sendRaw(response, status, 'application/json', JSON.stringify(value));
}

function sendRaw(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
): void {
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
