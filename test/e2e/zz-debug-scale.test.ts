import { it } from 'vitest';
import { stopMeshProcesses } from './helpers/index.js';
import { startScaleCluster } from './helpers/scale-cluster.js';
import { Browser, longMessage, subscribeTimed, waitForEnd } from './helpers/scale-scenarios.js';

it('debug', async () => {
  const cluster = await startScaleCluster({ provider: 'postgresql', modelDelayMs: 25 });
  try {
    const browser = new Browser();
    for (let i = 0; i < 6; i++) {
      const sender = cluster.gateways[0].url;
      const sessionId = (await browser.request(sender, 'POST', '/api/v1/sessions', { agent: 'assistant' })).body.id;
      const t0 = Date.now();
      const taskId = (await browser.request(sender, 'POST', `/api/v1/sessions/${sessionId}/messages`, { text: longMessage })).body.taskId;
      const t1 = Date.now();
      const s = await subscribeTimed(sender, browser.cookie, taskId);
      await waitForEnd(s);
      const k = s.client.messages.findIndex((m) => m.type === 'task-event' && m.event.type === 'message-delta');
      const w = s.client.messages.findIndex((m) => m.type === 'task-event' && m.event.type === 'status-update');
      console.log('post', t1 - t0, 'status', s.times[w]! - t0, 'first delta', s.times[k]! - t0);
    }
  } finally {
    await cluster.close();
    await stopMeshProcesses();
  }
}, 120000);
