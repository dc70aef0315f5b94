import { performance } from 'node:perf_hooks';
import type { BenchCluster } from './bench-cluster.js';
import { GatewayBrowser, TaskSubscription } from './gateway-client.js';

/** Ten facts make the built-in model answer at length, so a reply can be cut mid-way. */
const longMessage =
  'My color is blue. My pet is a cat. My city is Paris. My car is red. My food is pizza. ' +
  'My sport is tennis. My drink is tea. My book is Dune. My song is Yesterday. My tree is an oak.';

/** What the failover runs measured. */
export interface FailoverStalls {
  /** Per kill: from the SIGKILL to the first text of the other replica on the browser's socket, ms. */
  stallsMs: number[];
  /** Replies that did not end completed (should be 0). */
  notCompleted: number;
}

async function poll<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Kills the replica serving a reply with SIGKILL once the reply is under way, `kills` times, and
 * measures how long the browser (a WebSocket on the gateway running the turn) sees no new text: from the
 * kill to the first `message-delta` of the other replica (it carries `replace: true`). The killed
 * replica is restarted and warmed up (the gateways probe it, a few turns reach it) before the next kill,
 * so every failover lands on a replica in steady state.
 */
export async function measureFailoverStalls(
  cluster: BenchCluster,
  kills: number,
  log: (line: string) => void,
): Promise<FailoverStalls> {
  const browser = new GatewayBrowser();
  const gatewayUrls = cluster.gateways.map((gateway) => gateway.url);
  const stallsMs: number[] = [];
  let notCompleted = 0;
  const warmUp = async (): Promise<void> => {
    // /readyz fetches every card now, so each gateway sees the restarted replica up again.
    await Promise.all(
      gatewayUrls.map((url) => fetch(`${url}/readyz`).then((response) => response.text())),
    );
    for (let turn = 0; turn < 4; turn += 1) {
      const gateway = gatewayUrls[turn % gatewayUrls.length] as string;
      const sessionId = await browser.createSession(gateway, 'assistant');
      await browser.request(gateway, 'POST', `/api/v1/sessions/${sessionId}/messages?wait=true`, {
        text: 'My name is Warm.',
      });
    }
  };
  await warmUp();
  for (let kill = 0; kill < kills; kill += 1) {
    const gateway = gatewayUrls[kill % gatewayUrls.length] as string;
    const sessionId = await browser.createSession(gateway, 'assistant');
    const sent = await browser.request(gateway, 'POST', `/api/v1/sessions/${sessionId}/messages`, {
      text: longMessage,
    });
    const taskId = String(sent.body.taskId);
    const subscription = await TaskSubscription.open(gateway, browser.cookie, taskId);
    try {
      const servingUrl = await poll(
        async () => {
          const task = (await browser.request(gateway, 'GET', `/api/v1/tasks/${taskId}`)).body;
          if (String(task.text ?? '').length < 20) return undefined;
          return cluster.servingReplicaOf(taskId);
        },
        20_000,
        'the reply to be under way',
      );
      const index = cluster.replicaUrls.indexOf(servingUrl);
      const replica = cluster.replicas[index];
      if (!replica) throw new Error(`${servingUrl} is not a replica of the bench cluster`);
      const killedAt = performance.now();
      await replica.kill('SIGKILL');
      const end = await subscription.waitForEnd(30_000);
      if (end.message.event?.status !== 'completed') notCompleted += 1;
      const resumed = subscription.messages.find(
        (entry) =>
          entry.at >= killedAt &&
          entry.message.type === 'task-event' &&
          entry.message.event?.type === 'message-delta' &&
          entry.message.event.replace === true,
      );
      if (resumed) stallsMs.push(resumed.at - killedAt);
      else notCompleted += 1;
      log(
        `failover ${kill + 1}/${kills}: ${resumed ? `${(resumed.at - killedAt).toFixed(0)} ms` : 'no resumed text'}, ${end.message.event?.status}`,
      );
      await cluster.restartReplica(index);
      await warmUp();
    } finally {
      subscription.close();
    }
  }
  return { stallsMs, notCompleted };
}
