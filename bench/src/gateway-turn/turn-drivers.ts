import { createWebSessionId } from '@agent-mesh/shared';
import { HttpClient } from '../http/http-client.js';
import { createChatSession, GatewaySocket, sendAndWait, streamToAgent } from './chat-turns.js';

/** Turns per chat session before a worker moves to a fresh one, so the agent's live window stays short. */
export const turnsPerSession = 10;

/** Runs turns for a fixed set of workers; everything a turn needs was set up before timing starts. */
export interface TurnDriver {
  /** Worker `worker`'s `index`-th turn (0-based). */
  turn(worker: number, index: number): Promise<void>;
  close(): void;
}

/** Builds a driver for `workers` workers that will each run `turnsPerWorker` turns. */
export type TurnDriverFactory = (workers: number, turnsPerWorker: number) => Promise<TurnDriver>;

function messageText(worker: number, index: number): string {
  return `Hello, I am user ${worker}. This is message ${index}: what did I say before?`;
}

/** Each worker: its own cookie jar (one browser, one anonymous user) and its chat sessions, made up front. */
async function prepareBrowsers(
  gatewayUrl: string,
  workers: number,
  turnsPerWorker: number,
): Promise<{ clients: HttpClient[]; sessions: string[][] }> {
  const clients = Array.from({ length: workers }, () => new HttpClient(gatewayUrl));
  const sessions = await Promise.all(
    clients.map(async (client) => {
      const ids: string[] = [];
      for (let made = 0; made < Math.ceil(turnsPerWorker / turnsPerSession); made += 1) {
        ids.push(await createChatSession(client));
      }
      return ids;
    }),
  );
  return { clients, sessions };
}

function sessionOf(sessions: string[][], worker: number, index: number): string {
  const id = sessions[worker]?.[Math.floor(index / turnsPerSession)];
  if (id === undefined) throw new Error(`No session prepared for worker ${worker}, turn ${index}.`);
  return id;
}

/** Ours: `POST /api/v1/sessions/:id/messages?wait=true` through the gateway. */
export function gatewayRestDriver(gatewayUrl: string): TurnDriverFactory {
  return async (workers, turnsPerWorker) => {
    const { clients, sessions } = await prepareBrowsers(gatewayUrl, workers, turnsPerWorker);
    return {
      turn: (worker, index) =>
        sendAndWait(
          clients[worker] as HttpClient,
          sessionOf(sessions, worker, index),
          messageText(worker, index),
        ),
      close: () => clients.forEach((client) => client.close()),
    };
  };
}

/** Ours: post the message, then stream the reply over the gateway's WebSocket to its `message-end`. */
export function gatewaySocketDriver(gatewayUrl: string): TurnDriverFactory {
  return async (workers, turnsPerWorker) => {
    const { clients, sessions } = await prepareBrowsers(gatewayUrl, workers, turnsPerWorker);
    const sockets = await Promise.all(clients.map((client) => GatewaySocket.open(client)));
    return {
      turn: (worker, index) =>
        (sockets[worker] as GatewaySocket).turn(
          clients[worker] as HttpClient,
          sessionOf(sessions, worker, index),
          messageText(worker, index),
        ),
      close: () => {
        sockets.forEach((socket) => socket.close());
        clients.forEach((client) => client.close());
      },
    };
  };
}

/** The reference: the agent alone, A2A `message/stream` with the same context ids and message sizes. */
export function agentStreamDriver(agentUrl: string): TurnDriverFactory {
  return (workers, turnsPerWorker) => {
    const clients = Array.from({ length: workers }, () => new HttpClient(agentUrl));
    const contexts = clients.map(() =>
      Array.from({ length: Math.ceil(turnsPerWorker / turnsPerSession) }, () =>
        createWebSessionId(),
      ),
    );
    return Promise.resolve({
      turn: (worker, index) =>
        streamToAgent(
          clients[worker] as HttpClient,
          sessionOf(contexts, worker, index),
          `bench-user-${worker}`,
          messageText(worker, index),
        ),
      close: () => clients.forEach((client) => client.close()),
    });
  };
}
