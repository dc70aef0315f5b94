import { WebSocket } from 'ws';

/** A message the gateway sends over /api/v1/ws. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServerMessage = { type: string; [key: string]: any };

/** A test client of /api/v1/ws that records every message it receives. */
export class TaskSocketClient {
  readonly messages: ServerMessage[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as ServerMessage);
      for (const waiter of this.waiters) waiter();
    });
  }

  /** Opens a socket with the given cookie (and Origin, when given); rejects when the upgrade is refused. */
  static open(
    baseUrl: string,
    cookie: string | undefined,
    origin?: string,
  ): Promise<TaskSocketClient> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/api/v1/ws`;
    const socket = new WebSocket(url, {
      headers: { ...(cookie ? { Cookie: cookie } : {}) },
      ...(origin ? { origin } : {}),
    });
    return new Promise((resolve, reject) => {
      const client = new TaskSocketClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade refused with ${response.statusCode}`)),
      );
      socket.once('error', reject);
    });
  }

  /** Sends a JSON message. */
  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Waits until a received message matches (checking those already received first). */
  waitFor(
    predicate: (message: ServerMessage) => boolean,
    timeoutMs = 10_000,
  ): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.messages.find(predicate);
        if (!found) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`,
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((waiter) => waiter !== onMessage);
      };
      const onMessage = (): void => {
        check();
      };
      if (!check()) this.waiters.push(onMessage);
    });
  }

  /** The task events received for a task, in arrival order. */
  events(taskId: string): { seq: number; event: ServerMessage }[] {
    return this.messages
      .filter((message) => message.type === 'task-event' && message.taskId === taskId)
      .map((message) => ({ seq: message.seq as number, event: message.event as ServerMessage }));
  }

  /** Closes the socket and waits for it to close. */
  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

/** Applies stream events to text the way a UI does: append deltas, honour `replace`. */
export function assembleText(events: readonly { event: ServerMessage }[]): string {
  let text = '';
  for (const { event } of events) {
    if (event.type === 'message-delta')
      text = event.replace ? String(event.text) : text + String(event.text);
  }
  return text;
}
