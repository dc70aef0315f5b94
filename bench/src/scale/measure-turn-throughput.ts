import { performance } from 'node:perf_hooks';
import { summarize, type Summary } from '../report/stats.js';
import type { BenchCluster } from './bench-cluster.js';
import { GatewayBrowser } from './gateway-client.js';

/** How the sustained-throughput run loads the cluster. */
export interface TurnThroughputSettings {
  /** Simulated users, each sending one turn after the other (spread over the gateways). */
  users: number;
  /** How long the measured part runs, after every user's warm-up turn. */
  durationMs: number;
  /** A user starts a new session after this many turns, so prompts stay short. */
  turnsPerSession: number;
}

/** What a throughput run measured. */
export interface TurnThroughput {
  turns: number;
  failed: number;
  elapsedMs: number;
  turnsPerSecond: number;
  /** Latency of one turn (POST …/messages?wait=true until the reply is stored), in ms. */
  latency: Summary;
}

/**
 * Sustained turns per second through the gateways: `users` concurrent browsers (user u on gateway
 * u mod n) each send a turn and wait for the stored reply (`?wait=true`), again and again for
 * `durationMs`; only completed replies count.
 */
export async function measureTurnThroughput(
  cluster: BenchCluster,
  settings: TurnThroughputSettings,
): Promise<TurnThroughput> {
  const gatewayUrls = cluster.gateways.map((gateway) => gateway.url);
  const users = Array.from({ length: settings.users }, (_value, index) => ({
    browser: new GatewayBrowser(),
    gateway: gatewayUrls[index % gatewayUrls.length] as string,
    sessionId: '',
    turnsInSession: 0,
  }));
  const turn = async (user: (typeof users)[number], number: number): Promise<boolean> => {
    if (user.sessionId === '' || user.turnsInSession >= settings.turnsPerSession) {
      user.sessionId = await user.browser.createSession(user.gateway, 'assistant');
      user.turnsInSession = 0;
    }
    user.turnsInSession += 1;
    const response = await user.browser.request(
      user.gateway,
      'POST',
      `/api/v1/sessions/${user.sessionId}/messages?wait=true`,
      { text: `My lucky number is ${number}.` },
    );
    return response.status === 200 && response.body.status === 'completed';
  };
  await Promise.all(users.map((user) => turn(user, 0)));

  const latencies: number[] = [];
  let failed = 0;
  const start = performance.now();
  const deadline = start + settings.durationMs;
  await Promise.all(
    users.map(async (user) => {
      for (let number = 1; performance.now() < deadline; number += 1) {
        const begin = performance.now();
        if (await turn(user, number)) latencies.push(performance.now() - begin);
        else failed += 1;
      }
    }),
  );
  const elapsedMs = performance.now() - start;
  if (latencies.length === 0) throw new Error(`no turn completed (${failed} failed)`);
  return {
    turns: latencies.length,
    failed,
    elapsedMs,
    turnsPerSecond: latencies.length / (elapsedMs / 1000),
    latency: summarize(latencies),
  };
}
