import type { ClientFrame, ServerFrame, TaskEvent } from './api-types.js';

/** Whether the stream connection is usable; `connecting` covers reconnect attempts after a drop. */
export type SocketState = 'idle' | 'connecting' | 'open';

/** Receives the stream of one task. */
export interface TaskStreamListener {
  /** One event, in order, never a duplicate (events at or below the last seen seq are dropped). */
  onEvent(seq: number, event: TaskEvent): void;
  /** The server refused the subscription, e.g. TASK_NOT_FOUND. */
  onError?(code: string, message: string): void;
}

interface Subscription {
  lastSeq: number;
  confirmed: boolean;
  listeners: Set<TaskStreamListener>;
}

const pingIntervalMs = 25_000;
const maxBackoffMs = 5_000;

/**
 * One WebSocket to the gateway shared by every task stream of the page. It connects when the first task is
 * subscribed, reconnects with backoff while any subscription is left, and resubscribes each task from the
 * last sequence number it delivered, so a reply in progress continues after a drop without gaps.
 */
export class TaskSocket {
  private socket: WebSocket | null = null;
  private state: SocketState = 'idle';
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly stateListeners = new Set<(state: SocketState) => void>();
  private reconnectTimer: number | undefined;
  private pingTimer: number | undefined;
  private attempts = 0;
  private closed = false;

  constructor(private readonly url: string) {}

  /** The URL of the gateway's stream endpoint for the page's own origin. */
  static defaultUrl(location: Location): string {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/ws`;
  }

  /** Current connection state. */
  getState(): SocketState {
    return this.state;
  }

  /** Calls `listener` on every state change; returns a function that stops it. */
  onStateChange(listener: (state: SocketState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /**
   * Streams task `taskId` to `listener`, starting after `fromSeq` (the last event the caller already has);
   * returns a function that ends this listener's subscription.
   */
  subscribe(taskId: string, fromSeq: number, listener: TaskStreamListener): () => void {
    let subscription = this.subscriptions.get(taskId);
    if (subscription === undefined) {
      subscription = { lastSeq: fromSeq, confirmed: false, listeners: new Set() };
      this.subscriptions.set(taskId, subscription);
      subscription.listeners.add(listener);
      if (this.state === 'open') this.send({ type: 'subscribe', taskId, fromSeq });
      else this.connect();
    } else {
      subscription.listeners.add(listener);
    }
    return () => this.release(taskId, listener);
  }

  /** Closes the connection for good (page teardown). */
  close(): void {
    this.closed = true;
    window.clearTimeout(this.reconnectTimer);
    window.clearInterval(this.pingTimer);
    this.subscriptions.clear();
    this.socket?.close();
    this.socket = null;
    this.setState('idle');
  }

  private release(taskId: string, listener: TaskStreamListener): void {
    const subscription = this.subscriptions.get(taskId);
    if (subscription === undefined) return;
    subscription.listeners.delete(listener);
    if (subscription.listeners.size > 0) return;
    this.subscriptions.delete(taskId);
    if (this.state === 'open') this.send({ type: 'unsubscribe', taskId });
  }

  private connect(): void {
    if (this.closed || this.socket !== null) return;
    window.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.setState('connecting');
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      if (this.socket !== socket) return;
      this.attempts = 0;
      this.setState('open');
      for (const [taskId, subscription] of this.subscriptions) {
        subscription.confirmed = false;
        this.send({ type: 'subscribe', taskId, fromSeq: subscription.lastSeq });
      }
      this.pingTimer = window.setInterval(() => this.send({ type: 'ping' }), pingIntervalMs);
    });
    socket.addEventListener('message', (message: MessageEvent) => {
      if (this.socket !== socket || typeof message.data !== 'string') return;
      this.dispatch(message.data);
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      window.clearInterval(this.pingTimer);
      this.scheduleReconnect();
    });
    // An error is always followed by `close`, which handles the reconnect.
    socket.addEventListener('error', () => undefined);
  }

  private scheduleReconnect(): void {
    if (this.closed || this.subscriptions.size === 0) {
      this.setState('idle');
      return;
    }
    this.setState('connecting');
    const delay = Math.min(maxBackoffMs, 500 * 2 ** this.attempts);
    this.attempts += 1;
    this.reconnectTimer = window.setTimeout(() => this.connect(), delay);
  }

  private dispatch(data: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch {
      return;
    }
    switch (frame.type) {
      case 'task-event': {
        const subscription = this.subscriptions.get(frame.taskId);
        if (subscription === undefined || frame.seq <= subscription.lastSeq) return;
        subscription.lastSeq = frame.seq;
        for (const listener of [...subscription.listeners])
          listener.onEvent(frame.seq, frame.event);
        return;
      }
      case 'subscribed': {
        const subscription = this.subscriptions.get(frame.taskId);
        if (subscription !== undefined) subscription.confirmed = true;
        return;
      }
      case 'error': {
        // An error names its task when it has one; otherwise it answers a subscription still pending.
        const targets = [...this.subscriptions].filter(([taskId, subscription]) =>
          frame.taskId === undefined ? !subscription.confirmed : taskId === frame.taskId,
        );
        for (const [taskId, subscription] of targets) {
          this.subscriptions.delete(taskId);
          for (const listener of subscription.listeners)
            listener.onError?.(frame.code, frame.message);
        }
        return;
      }
      case 'pong':
        return;
    }
  }

  private send(frame: ClientFrame): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private setState(state: SocketState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }
}
