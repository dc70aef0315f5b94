import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { SendMessageRequest, StreamResponse, SubscribeToTaskRequest } from '@a2a-js/sdk';
import {
  JsonRpcTransportFactory,
  type RequestOptions,
  type Transport,
  type TransportFactory,
} from '@a2a-js/sdk/client';
import { createParser } from 'eventsource-parser';

/** The largest SSE event the gateway accepts from an agent (the SDK's own limit). */
export const maxAgentEventBytes = 4 * 1024 * 1024;

export interface StreamingJsonRpcTransportOptions {
  /** Extra headers on every call (the agent's bearer token). */
  headers?: Record<string, string>;
  /** For the calls the SDK's own transport makes. */
  fetchImpl?: typeof fetch;
  /** Keep-alive socket pools for the streaming calls, shared by every agent of the gateway. */
  sockets: AgentSockets;
}

/** Keep-alive socket pools for http: and https: agents. */
export class AgentSockets {
  readonly http = new HttpAgent({ keepAlive: true });
  readonly https = new HttpsAgent({ keepAlive: true });

  /** Closes the kept-alive sockets (on gateway shutdown). */
  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/**
 * The A2A JSON-RPC transport with its two streaming calls (`SendStreamingMessage`,
 * `SubscribeToTask`) read from a Node socket instead of `fetch`: the SDK reads each reply through a
 * web `ReadableStream`, a `TextDecoderStream` and an async generator per chunk, which was the largest
 * part of the gateway's CPU per turn and most of its memory per open stream. The envelope, the
 * protocol version header and the event decoding (`StreamResponse.fromJSON`) are the SDK's; every
 * other call goes to the SDK's own transport.
 */
export class StreamingJsonRpcTransportFactory implements TransportFactory {
  private readonly inner: JsonRpcTransportFactory;

  constructor(private readonly options: StreamingJsonRpcTransportOptions) {
    this.inner = new JsonRpcTransportFactory(
      options.fetchImpl === undefined ? {} : { fetchImpl: options.fetchImpl },
    );
  }

  get protocolName(): string {
    return this.inner.protocolName;
  }

  async create(
    url: string,
    agentCard: Parameters<TransportFactory['create']>[1],
  ): Promise<Transport> {
    const base = await this.inner.create(url, agentCard);
    const { sockets } = this.options;
    const agent = url.startsWith('https:') ? sockets.https : sockets.http;
    return new StreamingJsonRpcTransport(base, url, agent, this.options.headers ?? {});
  }
}

class StreamingJsonRpcTransport implements Transport {
  private nextId = 1;
  /** Parsed once: every turn posts to the same URL. */
  private readonly url: URL;
  private readonly request: typeof httpRequest;

  constructor(
    private readonly base: Transport,
    private readonly endpoint: string,
    private readonly agent: HttpAgent,
    private readonly headers: Record<string, string>,
  ) {
    this.url = new URL(endpoint);
    this.request = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
  }

  get protocolName(): string {
    return this.base.protocolName;
  }
  get protocolVersion(): string {
    return this.base.protocolVersion;
  }

  sendMessageStream(
    params: SendMessageRequest,
    options?: RequestOptions,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    return this.stream('SendStreamingMessage', SendMessageRequest.toJSON(params), options);
  }

  resubscribeTask(
    params: SubscribeToTaskRequest,
    options?: RequestOptions,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    return this.stream('SubscribeToTask', SubscribeToTaskRequest.toJSON(params), options);
  }

  getExtendedAgentCard: Transport['getExtendedAgentCard'] = (params, options) =>
    this.base.getExtendedAgentCard(params, options);
  sendMessage: Transport['sendMessage'] = (params, options) =>
    this.base.sendMessage(params, options);
  createTaskPushNotificationConfig: Transport['createTaskPushNotificationConfig'] = (
    params,
    options,
  ) => this.base.createTaskPushNotificationConfig(params, options);
  getTaskPushNotificationConfig: Transport['getTaskPushNotificationConfig'] = (params, options) =>
    this.base.getTaskPushNotificationConfig(params, options);
  listTaskPushNotificationConfig: Transport['listTaskPushNotificationConfig'] = (params, options) =>
    this.base.listTaskPushNotificationConfig(params, options);
  deleteTaskPushNotificationConfig: Transport['deleteTaskPushNotificationConfig'] = (
    params,
    options,
  ) => this.base.deleteTaskPushNotificationConfig(params, options);
  getTask: Transport['getTask'] = (params, options) => this.base.getTask(params, options);
  cancelTask: Transport['cancelTask'] = (params, options) => this.base.cancelTask(params, options);
  listTasks: Transport['listTasks'] = (params, options) => this.base.listTasks(params, options);

  private async *stream(
    method: string,
    params: unknown,
    options: RequestOptions | undefined,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    const id = this.nextId++;
    const body = JSON.stringify({ jsonrpc: '2.0', method, params, id });
    const signal = options?.signal;
    signal?.throwIfAborted();
    const request = this.send(body, options);
    // Not the `signal` option of http.request: an abort that lands as the response ends (a cancel
    // right after the final event) makes Node destroy a socket that no longer has an error listener,
    // an uncaught exception. Destroying the request without an error has no such window.
    const onAbort = (): void => {
      request.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    let errored = false;
    let response: IncomingMessage | undefined;
    try {
      response = await responseOf(request);
      const contentType = String(response.headers['content-type'] ?? '');
      if (response.statusCode !== 200 || !contentType.startsWith('text/event-stream')) {
        throw await unexpectedResponse(method, response);
      }
      const pending: string[] = [];
      let pendingBytes = 0;
      const parser = createParser({
        onEvent: (event) => {
          pending.push(event.data);
          pendingBytes = 0;
        },
      });
      response.setEncoding('utf8');
      // Not destroyed when the caller stops at the final event: the rest is drained below.
      const chunks = response.iterator({ destroyOnReturn: false }) as AsyncIterable<string>;
      for await (const chunk of chunks) {
        pendingBytes += chunk.length;
        if (pendingBytes > maxAgentEventBytes) {
          throw new Error(
            `An SSE event from ${this.endpoint} exceeded ${maxAgentEventBytes} bytes; the stream was closed.`,
          );
        }
        parser.feed(chunk);
        for (const data of pending.splice(0)) yield decodeEvent(data, id);
      }
      // A last event without its blank line is still an event, as the SDK reads it.
      parser.feed('\n\n');
      for (const data of pending.splice(0)) yield decodeEvent(data, id);
    } catch (error) {
      errored = true;
      signal?.throwIfAborted();
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // After an error the request is closed. A caller that stopped reading (at the final event, which
      // the agent follows with the end of the response) lets the rest drain, so the kept-alive socket
      // goes back to the pool instead of a new connection per turn.
      if (response !== undefined && !response.complete) {
        if (errored) request.destroy();
        else drainThenRelease(request, response, signal);
      }
    }
  }

  private send(body: string, options: RequestOptions | undefined): ClientRequest {
    const request = this.request(this.url, {
      method: 'POST',
      agent: this.agent,
      headers: {
        ...options?.serviceParameters,
        ...this.headers,
        'Content-Type': 'application/json',
        Accept: 'text/event-stream',
        'Content-Length': Buffer.byteLength(body),
      },
    });
    request.end(body);
    return request;
  }
}

/** The response of a request, or why there is none (refused, reset, destroyed by an abort). */
function responseOf(request: ClientRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request.once('response', (response: IncomingMessage) => {
      // Errors after this point reach the reader through the response's iterator; one that comes
      // while nobody reads (a stream being drained) must not crash the process.
      response.on('error', ignore);
      resolve(response);
    });
    request.on('error', reject);
    request.once('close', () =>
      reject(new Error('The connection to the agent closed before it answered.')),
    );
  });
}

function ignore(): void {
  // Reported elsewhere or no longer of interest.
}

/** How long a stream the caller stopped reading may take to end before its socket is closed. */
const drainTimeoutMs = 2_000;

function drainThenRelease(
  request: ClientRequest,
  response: IncomingMessage,
  signal: AbortSignal | undefined,
): void {
  const cut = (): void => {
    request.destroy();
  };
  const timer = setTimeout(cut, drainTimeoutMs);
  timer.unref();
  signal?.addEventListener('abort', cut, { once: true });
  response.once('close', () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', cut);
  });
  response.resume();
}

function decodeEvent(data: string, id: number): StreamResponse {
  let envelope: { jsonrpc?: unknown; id?: unknown; result?: unknown; error?: RpcError };
  try {
    envelope = JSON.parse(data) as typeof envelope;
  } catch (error) {
    throw new Error(`An SSE event from the agent is not JSON: "${data.slice(0, 100)}"`, {
      cause: error,
    });
  }
  if (envelope.jsonrpc !== '2.0') {
    throw new Error(
      `An SSE event from the agent is not a JSON-RPC 2.0 response: "${data.slice(0, 100)}"`,
    );
  }
  if (envelope.id !== id) {
    throw new Error(
      `An SSE event from the agent answers request ${String(envelope.id)}, not ${id}.`,
    );
  }
  if (envelope.error !== undefined) throw rpcError(envelope.error);
  if (envelope.result === undefined) {
    throw new Error(`An SSE event from the agent has no result: "${data.slice(0, 100)}"`);
  }
  return StreamResponse.fromJSON(envelope.result);
}

interface RpcError {
  code?: unknown;
  message?: unknown;
  data?: unknown;
}

function rpcError(error: RpcError): Error {
  const detail = error.data === undefined ? '' : ` ${JSON.stringify(error.data)}`;
  return Object.assign(
    new Error(
      `The agent answered with error ${String(error.code)}: ${String(error.message)}${detail}`,
    ),
    { code: error.code },
  );
}

/** Reads a refused stream's body (at most 64 KB) into an error saying what the agent answered. */
async function unexpectedResponse(method: string, response: IncomingMessage): Promise<Error> {
  let text = '';
  response.setEncoding('utf8');
  for await (const chunk of response as AsyncIterable<string>) {
    text += chunk;
    if (text.length > 65_536) break;
  }
  try {
    const parsed = JSON.parse(text) as { jsonrpc?: unknown; error?: RpcError };
    if (parsed.jsonrpc === '2.0' && typeof parsed.error === 'object' && parsed.error !== null) {
      return rpcError(parsed.error);
    }
  } catch {
    // Not JSON: report the status and the text.
  }
  const status = `${response.statusCode ?? 0} ${response.statusMessage ?? ''}`.trim();
  const type = String(response.headers['content-type'] ?? 'no content type');
  return new Error(
    `The agent refused ${method} with HTTP ${status} (${type}): ${text.slice(0, 500) || '(empty)'}`,
  );
}
