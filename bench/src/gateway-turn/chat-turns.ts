import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { HttpClient } from '../http/http-client.js';
import { meshAgentName } from './start-mesh.js';

/** Creates a chat session with the benchmark agent through the gateway API; returns its id. */
export async function createChatSession(client: HttpClient): Promise<string> {
  const response = await client.expect(201, 'POST', '/api/v1/sessions', { agent: meshAgentName });
  return (response.body as { id: string }).id;
}

/** One turn through the gateway's REST API, `?wait=true`: returns when the reply is complete. */
export async function sendAndWait(
  client: HttpClient,
  sessionId: string,
  text: string,
): Promise<void> {
  const response = await client.expect(
    200,
    'POST',
    `/api/v1/sessions/${sessionId}/messages?wait=true`,
    { text },
  );
  const status = (response.body as { status?: string }).status;
  if (status !== 'completed')
    throw new Error(`Turn ended ${String(status)}: ${JSON.stringify(response.body)}`);
}

/**
 * The reference turn: the same message sent straight to the agent with A2A `message/stream` (what the
 * gateway does for every turn), reading the SSE stream to its end.
 */
export async function streamToAgent(
  client: HttpClient,
  contextId: string,
  userId: string,
  text: string,
): Promise<void> {
  const response = await client.expect(
    200,
    'POST',
    '/',
    {
      jsonrpc: '2.0',
      id: randomUUID(),
      method: 'message/stream',
      params: {
        message: {
          kind: 'message',
          messageId: randomUUID(),
          role: 'user',
          contextId,
          parts: [{ kind: 'text', text }],
          metadata: { userId },
        },
      },
    },
    { accept: 'text/event-stream' },
  );
  const body = String(response.body);
  if (!body.includes('"final":true'))
    throw new Error(`The agent's stream ended without a final event: ${body.slice(-500)}`);
}

interface PendingTurn {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * One browser's WebSocket to the gateway (same cookie as its HTTP client): a turn posts the message
 * (202), subscribes to the task from seq 0 and completes on its `message-end` event.
 */
export class GatewaySocket {
  private readonly pending = new Map<string, PendingTurn>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData) => this.onMessage(data.toString()));
    socket.on('close', () => this.failAll(new Error('the gateway closed the WebSocket')));
    socket.on('error', (error) => this.failAll(error));
  }

  /** Opens the socket at /api/v1/ws with the client's cookie. */
  static open(client: HttpClient): Promise<GatewaySocket> {
    const url = new URL('/api/v1/ws', client.baseUrl);
    url.protocol = 'ws:';
    const socket = new WebSocket(url, { headers: { cookie: client.cookieHeader() } });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new GatewaySocket(socket)));
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`WebSocket upgrade refused: ${response.statusCode ?? '?'}`)),
      );
    });
  }

  /** Posts a message without waiting and resolves when its reply has streamed to the end. */
  async turn(client: HttpClient, sessionId: string, text: string): Promise<void> {
    const response = await client.expect(202, 'POST', `/api/v1/sessions/${sessionId}/messages`, {
      text,
    });
    const taskId = (response.body as { taskId: string }).taskId;
    const done = new Promise<void>((resolve, reject) =>
      this.pending.set(taskId, { resolve, reject }),
    );
    this.socket.send(JSON.stringify({ type: 'subscribe', taskId, fromSeq: 0 }));
    await done;
  }

  close(): void {
    this.socket.close();
  }

  private onMessage(text: string): void {
    const message = JSON.parse(text) as {
      type: string;
      taskId?: string;
      event?: { type: string; status?: string };
      code?: string;
      message?: string;
    };
    const turn = message.taskId === undefined ? undefined : this.pending.get(message.taskId);
    if (message.type === 'error') {
      const error = new Error(`WebSocket error ${message.code ?? ''}: ${message.message ?? ''}`);
      if (turn !== undefined && message.taskId !== undefined) {
        this.pending.delete(message.taskId);
        turn.reject(error);
      } else this.failAll(error);
      return;
    }
    if (
      message.type !== 'task-event' ||
      turn === undefined ||
      message.event?.type !== 'message-end'
    )
      return;
    this.pending.delete(message.taskId as string);
    this.socket.send(JSON.stringify({ type: 'unsubscribe', taskId: message.taskId }));
    if (message.event.status === 'completed') turn.resolve();
    else turn.reject(new Error(`Turn ended ${String(message.event.status)}`));
  }

  private failAll(error: Error): void {
    for (const turn of this.pending.values()) turn.reject(error);
    this.pending.clear();
  }
}
