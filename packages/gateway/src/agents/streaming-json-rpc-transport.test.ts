import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Role, TaskState, type AgentCard, type SendMessageRequest } from '@a2a-js/sdk';
import type { Transport } from '@a2a-js/sdk/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentSockets,
  maxAgentEventBytes,
  StreamingJsonRpcTransportFactory,
} from './streaming-json-rpc-transport.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

describe('StreamingJsonRpcTransport', () => {
  let server: Server;
  let url: string;
  let handler: Handler;
  const sockets = new AgentSockets();
  const closed: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => handler(request, body, response));
      response.on('close', () => closed.push(request.url ?? ''));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterEach(() => {
    closed.length = 0;
  });
  afterAll(async () => {
    sockets.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function transport(headers?: Record<string, string>): Promise<Transport> {
    const factory = new StreamingJsonRpcTransportFactory({
      sockets,
      ...(headers ? { headers } : {}),
    });
    return factory.create(url, { name: 'test' } as AgentCard);
  }

  function sse(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
  }

  function event(id: unknown, result: unknown): string {
    return `data: ${JSON.stringify({ jsonrpc: '2.0', id, result })}\n\n`;
  }

  const statusUpdate = (state: string, text?: string): unknown => ({
    statusUpdate: {
      taskId: 'task-1',
      contextId: 'web-session-1',
      status: {
        state,
        ...(text ? { message: { messageId: 'm', role: 'ROLE_AGENT', parts: [{ text }] } } : {}),
      },
    },
  });

  const request: SendMessageRequest = {
    tenant: '',
    message: {
      messageId: 'message-1',
      contextId: 'web-session-1',
      taskId: '',
      role: Role.ROLE_USER,
      parts: [
        {
          content: { $case: 'text', value: 'hello' },
          metadata: undefined,
          filename: '',
          mediaType: 'text/plain',
        },
      ],
      metadata: { userId: 'ada' },
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: undefined,
    metadata: undefined,
  };

  async function collect(stream: AsyncIterable<unknown>): Promise<unknown[]> {
    const items: unknown[] = [];
    for await (const item of stream) items.push(item);
    return items;
  }

  it('posts the JSON-RPC envelope with the headers and decodes events split across writes', async () => {
    let seen: { headers: IncomingMessage['headers']; body: Record<string, unknown> } | undefined;
    handler = (req, body, response) => {
      seen = { headers: req.headers, body: JSON.parse(body) as Record<string, unknown> };
      const id = seen.body.id;
      sse(response);
      const first = event(id, statusUpdate('TASK_STATE_WORKING', 'Hel'));
      // One event cut in the middle of its JSON, CRLF line ends, a comment line, then two at once.
      response.write(first.slice(0, 25));
      setTimeout(() => {
        response.write(first.slice(25).replace(/\n/g, '\r\n'));
        response.write(': keep-alive\n\n');
        response.end(
          event(id, statusUpdate('TASK_STATE_WORKING', 'lo')) +
            event(id, statusUpdate('TASK_STATE_COMPLETED')),
        );
      }, 20);
    };
    const client = await transport({ Authorization: 'Bearer secret' });
    const events = await collect(
      client.sendMessageStream(request, { serviceParameters: { 'A2A-Version': '1.0' } }),
    );
    expect(seen?.headers.authorization).toBe('Bearer secret');
    expect(seen?.headers['a2a-version']).toBe('1.0');
    expect(seen?.headers.accept).toBe('text/event-stream');
    expect(seen?.body).toMatchObject({
      jsonrpc: '2.0',
      method: 'SendStreamingMessage',
      params: { message: { messageId: 'message-1', contextId: 'web-session-1' } },
    });
    expect(events).toHaveLength(3);
    const states = events.map(
      (item) =>
        (item as { payload: { value: { status: { state: TaskState } } } }).payload.value.status
          .state,
    );
    expect(states).toEqual([
      TaskState.TASK_STATE_WORKING,
      TaskState.TASK_STATE_WORKING,
      TaskState.TASK_STATE_COMPLETED,
    ]);
    const firstText = (
      events[0] as {
        payload: {
          value: { status: { message: { parts: Array<{ content: { value: string } }> } } };
        };
      }
    ).payload.value.status.message.parts[0]?.content.value;
    expect(firstText).toBe('Hel');
  });

  it('numbers requests and refuses an event answering another request', async () => {
    handler = (_req, body, response) => {
      const id = (JSON.parse(body) as { id: number }).id;
      sse(response);
      response.end(event(id + 1, statusUpdate('TASK_STATE_WORKING')));
    };
    const client = await transport();
    await expect(collect(client.sendMessageStream(request))).rejects.toThrow(
      /answers request 2, not 1/,
    );
  });

  it('throws the JSON-RPC error an event carries', async () => {
    handler = (_req, body, response) => {
      const id = (JSON.parse(body) as { id: number }).id;
      sse(response);
      response.end(
        `data: ${JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32001, message: 'Task not found' } })}\n\n`,
      );
    };
    const client = await transport();
    await expect(collect(client.sendMessageStream(request))).rejects.toThrow(
      /error -32001: Task not found/,
    );
  });

  it('reports a refused stream with the status and what the agent said', async () => {
    handler = (_req, _body, response) => {
      response.writeHead(401, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'A valid bearer token is required' }));
    };
    const client = await transport();
    await expect(collect(client.sendMessageStream(request))).rejects.toThrow(
      /refused SendStreamingMessage with HTTP 401 Unauthorized \(application\/json\): .*bearer token/,
    );
    handler = (_req, body, response) => {
      const id = (JSON.parse(body) as { id: number }).id;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32600, message: 'Bad' } }));
    };
    await expect(collect(client.sendMessageStream(request))).rejects.toThrow(/error -32600: Bad/);
  });

  it('keeps the socket for the next call when the caller stops at the final event', async () => {
    const ports: number[] = [];
    handler = (req, body, response) => {
      ports.push(req.socket.remotePort ?? 0);
      const id = (JSON.parse(body) as { id: number }).id;
      sse(response);
      response.write(event(id, statusUpdate('TASK_STATE_COMPLETED')));
      setTimeout(() => response.end(), 20);
    };
    const client = await transport();
    for (let call = 0; call < 2; call += 1) {
      const reading = client.sendMessageStream(request);
      expect((await reading.next()).done).toBe(false);
      await reading.return(undefined);
      await expect.poll(() => closed.length).toBe(call + 1);
    }
    expect(ports).toHaveLength(2);
    expect(ports[1]).toBe(ports[0]);
  });

  it('takes an abort that comes after the caller stopped reading (cancel after the final event)', async () => {
    handler = (_req, body, response) => {
      const id = (JSON.parse(body) as { id: number }).id;
      sse(response);
      response.write(event(id, statusUpdate('TASK_STATE_CANCELED')));
    };
    const client = await transport();
    const controller = new AbortController();
    const reading = client.sendMessageStream(request, { signal: controller.signal });
    expect((await reading.next()).done).toBe(false);
    await reading.return(undefined);
    // An error event nobody listens to would be an uncaught exception, which fails the run.
    controller.abort();
    await expect.poll(() => closed.length).toBe(1);
  });

  it('closes a stream the caller stopped reading that never ends, and an aborted one at once', async () => {
    handler = (_req, body, response) => {
      const id = (JSON.parse(body) as { id: number }).id;
      sse(response);
      response.write(event(id, statusUpdate('TASK_STATE_WORKING', 'a')));
      // Never ends on its own.
    };
    const client = await transport();
    const reading = client.sendMessageStream(request);
    expect((await reading.next()).done).toBe(false);
    await reading.return(undefined);
    expect(closed).toHaveLength(0);
    await expect.poll(() => closed.length, { timeout: 5_000 }).toBe(1);

    const controller = new AbortController();
    const stream = client.sendMessageStream(request, { signal: controller.signal });
    const first = await stream.next();
    expect(first.done).toBe(false);
    const aborted = Date.now();
    controller.abort();
    await expect(stream.next()).rejects.toThrow(/abort/i);
    await expect.poll(() => closed.length).toBe(2);
    expect(Date.now() - aborted).toBeLessThan(1_000);
  });

  it('refuses an event larger than the limit instead of buffering it', async () => {
    handler = (_req, _body, response) => {
      sse(response);
      const block = 'x'.repeat(1024 * 1024);
      const write = (left: number): void => {
        if (left === 0 || response.destroyed) return;
        response.write(left === 5 ? `data: ${block}` : block, () => write(left - 1));
      };
      write(5);
    };
    const client = await transport();
    await expect(collect(client.sendMessageStream(request))).rejects.toThrow(
      new RegExp(`exceeded ${maxAgentEventBytes} bytes`),
    );
    await expect.poll(() => closed.length).toBe(1);
  });

  it('resubscribes with SubscribeToTask and leaves other calls to the SDK transport', async () => {
    const methods: string[] = [];
    handler = (_req, body, response) => {
      const rpc = JSON.parse(body) as { id: number; method: string };
      methods.push(rpc.method);
      if (rpc.method === 'SubscribeToTask') {
        sse(response);
        response.end(event(rpc.id, statusUpdate('TASK_STATE_COMPLETED')));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: rpc.id,
          result: {
            id: 'task-1',
            contextId: 'web-session-1',
            status: { state: 'TASK_STATE_CANCELED' },
          },
        }),
      );
    };
    const client = await transport();
    const events = await collect(client.resubscribeTask({ tenant: '', id: 'task-1' }));
    expect(events).toHaveLength(1);
    const task = await client.cancelTask({ tenant: '', id: 'task-1', metadata: undefined });
    expect(task.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect(methods).toEqual(['SubscribeToTask', 'CancelTask']);
  });
});
