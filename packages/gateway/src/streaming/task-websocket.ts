import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RequestHandler } from 'express';
import type { SessionData } from 'express-session';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from '@agent-mesh/shared';
import type { GatewayUser, Identity } from '../http/identity.js';
import type { OriginCheck } from '../http/origin-check.js';
import type { GatewayStore, SequencedTaskEvent } from '../store/gateway-store.js';
import type { TaskEventFeed } from './task-event-feed.js';

/** The path browsers open the WebSocket at. */
export const taskWebSocketPath = '/api/v1/ws';

/** What the WebSocket endpoint needs. */
export interface TaskWebSocketOptions {
  store: GatewayStore;
  feed: TaskEventFeed;
  session: RequestHandler;
  identity: Identity;
  logger: Logger;
  /** The CSRF check of the API: an upgrade from a foreign page is refused with 403. */
  originCheck: OriginCheck;
  /** Interval of protocol pings that drop dead connections (default 30 s). */
  pingIntervalMs?: number;
}

/** A message the browser sends. */
type ClientMessage =
  | { type: 'subscribe'; taskId: string; fromSeq: number }
  | { type: 'unsubscribe'; taskId: string }
  | { type: 'ping' };

interface Subscription {
  lastSent: number;
  replaying: boolean;
  buffered: SequencedTaskEvent[];
  stop: () => void;
}

/** The running WebSocket endpoint. */
export interface TaskWebSocket {
  /** Open browser connections now (for /metrics). */
  readonly connectionCount: number;
  /** Closes every connection and stops accepting new ones. */
  close(): Promise<void>;
}

/**
 * Serves task streams over WebSocket at /api/v1/ws (same cookie session and Origin check as the API).
 * `subscribe` replays the stored events after `fromSeq`, then `subscribed`, then live events: the live
 * feed is joined before the stored tail is read and events are de-duplicated by seq, so nothing is
 * missed or sent twice. A task that is not the caller's is TASK_NOT_FOUND.
 */
export function attachTaskWebSocket(server: Server, options: TaskWebSocketOptions): TaskWebSocket {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const alive = new WeakMap<WebSocket, boolean>();

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== taskWebSocketPath) {
      rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    const verdict = options.originCheck.check(request);
    if (!verdict.allowed) {
      options.logger.info(
        { origin: request.headers.origin, reason: verdict.reason },
        'refused a cross-site WebSocket upgrade',
      );
      rejectUpgrade(socket, 403, 'Forbidden');
      return;
    }
    loadSession(options.session, request).then(
      (session) => {
        const user = options.identity.userOfUpgrade(request, session);
        if (!user) {
          rejectUpgrade(socket, 401, 'Unauthorized');
          return;
        }
        wss.handleUpgrade(request, socket, head, (socketOfClient) =>
          serveConnection(socketOfClient, user, alive, options),
        );
      },
      (error: unknown) => {
        options.logger.warn({ err: error }, 'could not load the session of a WebSocket upgrade');
        rejectUpgrade(socket, 500, 'Internal Server Error');
      },
    );
  };
  server.on('upgrade', onUpgrade);

  const pinger = setInterval(() => {
    for (const client of wss.clients) {
      if (alive.get(client) === false) {
        client.terminate();
        continue;
      }
      alive.set(client, false);
      client.ping();
    }
  }, options.pingIntervalMs ?? 30_000);
  pinger.unref();

  return {
    get connectionCount() {
      return wss.clients.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(pinger);
        server.off('upgrade', onUpgrade);
        for (const client of wss.clients) client.close(1001, 'Gateway shutting down');
        wss.close(() => resolve());
      }),
  };
}

/**
 * Serves one accepted connection. Its listeners are made here, outside the upgrade handler, so they keep
 * none of its scope alive: the upgrade request with its headers and session would otherwise stay in
 * memory as long as the socket is open.
 */
function serveConnection(
  socket: WebSocket,
  user: GatewayUser,
  alive: WeakMap<WebSocket, boolean>,
  options: TaskWebSocketOptions,
): void {
  alive.set(socket, true);
  socket.on('pong', () => alive.set(socket, true));
  const subscriptions = new Map<string, Subscription>();
  const send = (message: unknown): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const sendError = (code: string, message: string, taskId?: string): void => {
    send({ type: 'error', code, message, ...(taskId ? { taskId } : {}) });
  };

  const unsubscribe = (taskId: string): void => {
    subscriptions.get(taskId)?.stop();
    subscriptions.delete(taskId);
  };

  const subscribe = async (taskId: string, fromSeq: number): Promise<void> => {
    unsubscribe(taskId);
    const task = await options.store.getTask(taskId, user.id);
    if (!task) {
      sendError('TASK_NOT_FOUND', `Task ${taskId} does not exist.`, taskId);
      return;
    }
    const subscription: Subscription = {
      lastSent: fromSeq,
      replaying: true,
      buffered: [],
      stop: () => {},
    };
    const deliver = (event: SequencedTaskEvent): void => {
      if (event.seq <= subscription.lastSent) return;
      subscription.lastSent = event.seq;
      send({ type: 'task-event', taskId, seq: event.seq, event: event.event });
      if (event.event.type === 'message-end') subscription.stop();
    };
    // Join the live feed first, then read the stored tail: an event is either stored or arrives here.
    subscription.stop = options.feed.subscribe(
      taskId,
      (event) => {
        if (subscription.replaying) subscription.buffered.push(event);
        else deliver(event);
      },
      fromSeq,
    );
    subscriptions.set(taskId, subscription);
    try {
      const stored = await options.store.listTaskEvents(taskId, fromSeq);
      if (subscriptions.get(taskId) !== subscription) return;
      for (const event of stored) deliver(event);
      send({ type: 'subscribed', taskId, fromSeq });
      subscription.replaying = false;
      for (const event of subscription.buffered.sort((a, b) => a.seq - b.seq)) deliver(event);
      subscription.buffered = [];
    } catch (error) {
      unsubscribe(taskId);
      options.logger.warn({ err: error, taskId }, 'could not replay task events');
      sendError(
        'DATABASE_UNAVAILABLE',
        'Could not read the stored events of the task; subscribe again.',
        taskId,
      );
    }
  };

  socket.on('message', (data: RawData) => {
    const message = parseClientMessage(data);
    if (typeof message === 'string') {
      sendError('REQUEST_INVALID', message);
      return;
    }
    switch (message.type) {
      case 'subscribe':
        subscribe(message.taskId, message.fromSeq).catch((error: unknown) => {
          options.logger.warn({ err: error, taskId: message.taskId }, 'subscribe failed');
          sendError('INTERNAL', 'Subscribing failed; try again.', message.taskId);
        });
        return;
      case 'unsubscribe':
        unsubscribe(message.taskId);
        return;
      case 'ping':
        send({ type: 'pong' });
        return;
    }
  });
  socket.on('close', () => {
    for (const taskId of [...subscriptions.keys()]) unsubscribe(taskId);
  });
  socket.on('error', (error) => options.logger.debug({ err: error }, 'WebSocket error'));
}

/** Parses and checks a browser message; returns what is wrong as a string. */
function parseClientMessage(data: RawData): ClientMessage | string {
  let value: unknown;
  try {
    value = JSON.parse(rawDataToString(data));
  } catch {
    return 'Messages must be JSON objects such as {"type":"subscribe","taskId":"...","fromSeq":0}.';
  }
  if (typeof value !== 'object' || value === null) return 'Messages must be JSON objects.';
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'subscribe': {
      const fromSeq = message.fromSeq ?? 0;
      if (typeof message.taskId !== 'string' || message.taskId === '') {
        return 'subscribe needs "taskId" (a string).';
      }
      if (typeof fromSeq !== 'number' || !Number.isSafeInteger(fromSeq) || fromSeq < 0) {
        return 'subscribe needs "fromSeq" as an integer >= 0 (0 replays every event).';
      }
      return { type: 'subscribe', taskId: message.taskId, fromSeq };
    }
    case 'unsubscribe':
      if (typeof message.taskId !== 'string') return 'unsubscribe needs "taskId" (a string).';
      return { type: 'unsubscribe', taskId: message.taskId };
    case 'ping':
      return { type: 'ping' };
    default:
      return `Unknown message type ${JSON.stringify(message.type)}; expected subscribe, unsubscribe or ping.`;
  }
}

function rawDataToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** Runs express-session on an upgrade request to read the caller's session (no cookie is written). */
function loadSession(
  session: RequestHandler,
  request: IncomingMessage,
): Promise<SessionData | undefined> {
  return new Promise((resolve, reject) => {
    const response = {
      getHeader: () => undefined,
      setHeader: () => response,
      writeHead: () => response,
      end: () => response,
      on: () => response,
      once: () => response,
      emit: () => false,
    } as unknown as ServerResponse;
    const expressRequest = request as IncomingMessage & {
      originalUrl?: string;
      session?: SessionData;
    };
    expressRequest.originalUrl ??= request.url;
    session(expressRequest as never, response as never, (error?: unknown) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(expressRequest.session);
    });
  });
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}
