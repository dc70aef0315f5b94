import { performance } from 'node:perf_hooks';
import type { BenchCluster } from './bench-cluster.js';
import { GatewayBrowser } from './gateway-client.js';

/** How a throughput load drives a cluster. */
export interface TurnLoadSettings {
  /** Simulated users, each sending one turn after the other (user u on gateway u mod n). */
  users: number;
  /** A user starts a new session after this many turns, so prompts stay short. */
  turnsPerSession: number;
}

/** What one measuring window saw. */
export interface TurnWindow {
  turns: number;
  failed: number;
  elapsedMs: number;
  turnsPerSecond: number;
  /** Latency of each completed turn (POST …/messages?wait=true until the reply is stored), ms. */
  latenciesMs: number[];
}

/** A steady load of browsers on one cluster, run in measuring windows. */
export interface TurnLoad {
  /** One turn per user, untimed (sessions, JIT, connection pools). */
  warmUp(): Promise<void>;
  /** Every user sends turns back to back for `durationMs`; completed replies count. */
  runWindow(durationMs: number): Promise<TurnWindow>;
}

/**
 * Builds the load of the sustained-throughput benchmark: `users` concurrent browsers, each sending a
 * short turn and waiting for the stored reply (`?wait=true`), again and again; sessions roll over every
 * `turnsPerSession` turns. Windows can alternate with another cluster's so machine drift hits both.
 */
export function createTurnLoad(cluster: BenchCluster, settings: TurnLoadSettings): TurnLoad {
  const gatewayUrls = cluster.gateways.map((gateway) => gateway.url);
  const users = Array.from({ length: settings.users }, (_value, index) => ({
    browser: new GatewayBrowser(),
    gateway: gatewayUrls[index % gatewayUrls.length] as string,
    sessionId: '',
    turnsInSession: 0,
    number: 0,
  }));
  const turn = async (user: (typeof users)[number]): Promise<boolean> => {
    if (user.sessionId === '' || user.turnsInSession >= settings.turnsPerSession) {
      user.sessionId = await user.browser.createSession(user.gateway, 'assistant');
      user.turnsInSession = 0;
    }
    user.turnsInSession += 1;
    user.number += 1;
    const response = await user.browser.request(
      user.gateway,
      'POST',
      `/api/v1/sessions/${user.sessionId}/messages?wait=true`,
      { text: `My lucky number is ${user.number}.` },
    );
    return response.status === 200 && response.body.status === 'completed';
  };
  return {
    async warmUp() {
      await Promise.all(users.map((user) => turn(user)));
    },
    async runWindow(durationMs) {
      const latenciesMs: number[] = [];
      let failed = 0;
      const start = performance.now();
      const deadline = start + durationMs;
      await Promise.all(
        users.map(async (user) => {
          while (performance.now() < deadline) {
            const begin = performance.now();
            if (await turn(user)) latenciesMs.push(performance.now() - begin);
            else failed += 1;
          }
        }),
      );
      const elapsedMs = performance.now() - start;
      return {
        turns: latenciesMs.length,
        failed,
        elapsedMs,
        turnsPerSecond: latenciesMs.length / (elapsedMs / 1000),
        latenciesMs,
      };
    },
  };
}
