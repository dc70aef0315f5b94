import WebSocket from 'ws';
import { HttpClient } from '../http/http-client.js';
import { ReplyStream, type SocketMessage } from './reply-stream.js';

/**
 * One simulated browser of the run, step by step: an idle keep-alive HTTP connection, then an open
 * WebSocket, then a reply streaming on it.
 */
export interface StreamClient {
  /** Makes one request and leaves its keep-alive connection open and idle. */
  holdKeepAlive(): Promise<void>;
  /** Opens the WebSocket and resolves once it answered one `ping`. */
  openSocket(): Promise<void>;
  /** Starts a reply and subscribes to it on the open WebSocket. */
  startReply(): Promise<void>;
  readonly reply: ReplyStream;
  /** Closes the WebSocket and the HTTP connection. */
  close(): void;
}

/** The WebSocket half shared by both servers: open, ping, and feeding the reply's messages. */
abstract class SocketClient implements StreamClient {
  readonly reply = new ReplyStream();
  protected socket: WebSocket | undefined;
  protected taskId = '';
  private pong: (() => void) | undefined;

  constructor(protected readonly http: HttpClient) {}

  abstract holdKeepAlive(): Promise<void>;
  abstract startReply(): Promise<void>;

  async openSocket(): Promise<void> {
    const url = new URL('/api/v1/ws', this.http.baseUrl);
    url.protocol = 'ws:';
    const cookie = this.http.cookieHeader();
    const socket = new WebSocket(url, { headers: cookie === '' ? {} : { cookie } });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`WebSocket upgrade refused: ${response.statusCode ?? '?'}`)),
      );
    });
    this.socket = socket;
    socket.on('message', (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as SocketMessage;
      if (message.type === 'pong') this.pong?.();
      else this.reply.receive(message, this.taskId);
    });
    socket.on('close', () => this.reply.fail('the WebSocket closed'));
    socket.on('error', (error) => this.reply.fail(`WebSocket error: ${error.message}`));
    await new Promise<void>((resolve) => {
      this.pong = resolve;
      socket.send(JSON.stringify({ type: 'ping' }));
    });
  }

  close(): void {
    this.socket?.close();
    this.http.close();
  }

  protected subscribe(extra: Record<string, unknown> = {}): void {
    if (this.socket === undefined) throw new Error('openSocket() first');
    this.socket.send(
      JSON.stringify({ type: 'subscribe', taskId: this.taskId, fromSeq: 0, ...extra }),
    );
  }
}

/** A browser of the gateway (its own cookie, so its own user) with a chat session on the slow agent. */
export class GatewayStreamClient extends SocketClient {
  constructor(
    http: HttpClient,
    private readonly sessionId: string,
    private readonly text: string,
  ) {
    super(http);
  }

  async holdKeepAlive(): Promise<void> {
    await this.http.expect(200, 'GET', '/api/v1/sessions?limit=1');
  }

  async startReply(): Promise<void> {
    const response = await this.http.expect(
      202,
      'POST',
      `/api/v1/sessions/${this.sessionId}/messages`,
      { text: this.text },
    );
    this.taskId = (response.body as { taskId: string }).taskId;
    this.subscribe();
  }
}

/** A client of the bare `ws` server: the same steps, the reply's text and pace sent with `subscribe`. */
export class BareStreamClient extends SocketClient {
  constructor(
    baseUrl: string,
    private readonly index: number,
    private readonly text: string,
    private readonly intervalMs: number,
  ) {
    super(new HttpClient(baseUrl));
  }

  async holdKeepAlive(): Promise<void> {
    await this.http.expect(200, 'GET', '/');
  }

  startReply(): Promise<void> {
    this.taskId = `bare-task-${this.index}`;
    this.subscribe({ text: this.text, intervalMs: this.intervalMs });
    return Promise.resolve();
  }
}
