import { WebSocket } from 'ws';

/** A JSON response from the gateway. */
export interface GatewayResponse {
  status: number;
  // The bench reads a few known fields; the gateway's own tests check the shapes.
  body: Record<string, unknown>;
}

/** A browser stand-in for the bench: one cookie, sent to whichever gateway it talks to. */
export class GatewayBrowser {
  cookie: string | undefined;

  /** Sends a JSON request to a gateway with this browser's cookie, keeping the cookie it sets. */
  async request(
    baseUrl: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<GatewayResponse> {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(this.cookie ? { Cookie: this.cookie } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) this.cookie = setCookie.split(';')[0];
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  }

  /** Creates a session with the agent and returns its id. */
  async createSession(baseUrl: string, agent: string): Promise<string> {
    const response = await this.request(baseUrl, 'POST', '/api/v1/sessions', { agent });
    if (response.status !== 201)
      throw new Error(`session not created: ${JSON.stringify(response)}`);
    return String(response.body.id);
  }
}

/** One message received on the task WebSocket, with when it arrived (performance.now()). */
export interface TimedMessage {
  at: number;
  message: {
    type: string;
    seq?: number;
    event?: { type: string; text?: string; replace?: boolean; status?: string };
  };
}

/** A subscription to one task on /api/v1/ws that records every message with its arrival time. */
export class TaskSubscription {
  readonly messages: TimedMessage[] = [];
  private readonly ended: Promise<TimedMessage>;

  private constructor(private readonly socket: WebSocket) {
    this.ended = new Promise((resolve, reject) => {
      socket.on('message', (data) => {
        const entry: TimedMessage = {
          at: performance.now(),
          message: JSON.parse(String(data)) as TimedMessage['message'],
        };
        this.messages.push(entry);
        if (entry.message.type === 'task-event' && entry.message.event?.type === 'message-end') {
          resolve(entry);
        }
      });
      socket.once('close', () => reject(new Error('the WebSocket closed before message-end')));
    });
    this.ended.catch(() => undefined);
  }

  /** Opens the WebSocket with the browser's cookie and subscribes to the task from seq 0. */
  static async open(
    baseUrl: string,
    cookie: string | undefined,
    taskId: string,
  ): Promise<TaskSubscription> {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v1/ws`, {
      headers: cookie ? { Cookie: cookie } : {},
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const subscription = new TaskSubscription(socket);
    socket.send(JSON.stringify({ type: 'subscribe', taskId, fromSeq: 0 }));
    return subscription;
  }

  /** Resolves with the message-end, or rejects after `timeoutMs`. */
  async waitForEnd(timeoutMs: number): Promise<TimedMessage> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        this.ended,
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no message-end within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the socket. */
  close(): void {
    this.socket.close();
  }
}
