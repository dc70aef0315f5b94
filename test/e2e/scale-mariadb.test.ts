import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopMeshProcesses } from './helpers/index.js';
import { startScaleCluster, type ScaleCluster } from './helpers/scale-cluster.js';
import {
  Browser,
  expectAgentHistoryIntact,
  expectCompleteStream,
  expectLiveDeltas,
  longMessage,
  recordFailoverStall,
  runFailoverLoop,
  subscribeTimed,
  waitForEnd,
} from './helpers/scale-scenarios.js';

// MariaDB has no LISTEN/NOTIFY: gateways follow each other's replies by polling (live_updates auto).
const failoverIterations = process.env.SCALE_FULL === '1' ? 10 : 4;

describe('two gateways and two agent replicas on one MariaDB database (polling)', () => {
  let cluster: ScaleCluster;
  const browser = new Browser();

  beforeAll(async () => {
    cluster = await startScaleCluster({
      provider: 'mysql',
      modelDelayMs: 25,
      pollIntervalMs: 100,
    });
  });

  afterAll(async () => {
    await cluster?.close();
    await stopMeshProcesses();
  });

  it('streams to a WebSocket on gateway B a reply that gateway A is recording, by polling', async () => {
    const [a, b] = cluster.gateways;
    const sessionId = (
      await browser.request(a.url, 'POST', '/api/v1/sessions', { agent: 'assistant' })
    ).body.id;
    expect((await browser.request(b.url, 'GET', `/api/v1/sessions/${sessionId}`)).status).toBe(200);
    const taskId = (
      await browser.request(a.url, 'POST', `/api/v1/sessions/${sessionId}/messages`, {
        text: longMessage,
      })
    ).body.taskId as string;
    const onB = await subscribeTimed(b.url, browser.cookie, taskId);
    await waitForEnd(onB);
    const task = (await browser.request(b.url, 'GET', `/api/v1/tasks/${taskId}`)).body;
    expect(task.status).toBe('completed');
    expectCompleteStream(onB, taskId, task.text);
    expectLiveDeltas(onB, 700);
    expect(
      cluster.gateways.every((gateway) =>
        gateway.lines.some((line) =>
          line.includes('live updates across gateway instances: polling'),
        ),
      ),
    ).toBe(true);
    await onB.client.close();
  });

  it(
    `finishes every reply on the other replica when the serving one is SIGKILLed mid-reply (${failoverIterations} times)`,
    async () => {
      const samples = await runFailoverLoop(cluster, browser, failoverIterations);
      await expectAgentHistoryIntact(
        cluster,
        new Map(samples.map((sample) => [sample.taskId, sample.text])),
      );
      const stall = recordFailoverStall('mysql', samples, {
        liveUpdates: 'poll',
        pollIntervalMs: 100,
      });
      expect(stall.p50).toBeGreaterThanOrEqual(0);
    },
    failoverIterations * 15_000 + 30_000,
  );
});
