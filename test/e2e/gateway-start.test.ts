import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../packages/gateway/src/testing/test-gateway.js';
import {
  createTempDir,
  getFreePort,
  repoRoot,
  startMeshProcess,
  stopMeshProcesses,
  waitFor,
  type TempDir,
} from './helpers/index.js';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('agent-mesh start on a copy of config/', () => {
  let folder: TempDir | undefined;

  afterAll(async () => {
    await stopMeshProcesses();
    folder?.remove();
  });

  it('starts the agents and the gateway as child processes, chats, and stops them all on SIGTERM', async () => {
    folder = createTempDir('start');
    cpSync(join(repoRoot, 'config'), join(folder.path, 'config'), { recursive: true });
    // Free ports instead of the fixed 8000/8101/8102, so the test never collides with a running mesh.
    const [gatewayPort, assistantPort, researcherPort] = [
      await getFreePort(),
      await getFreePort(),
      await getFreePort(),
    ];
    for (const [file, from, to] of [
      ['agents/assistant.yaml', 'port: 8101', `port: ${assistantPort}`],
      ['agents/researcher.yaml', 'port: 8102', `port: ${researcherPort}`],
    ] as const) {
      const path = join(folder.path, 'config', file);
      const text = readFileSync(path, 'utf8');
      expect(text).toContain(from);
      writeFileSync(path, text.replace(from, to));
    }
    const env = {
      PORT: String(gatewayPort),
      ASSISTANT_URL: `http://127.0.0.1:${assistantPort}`,
      RESEARCHER_URL: `http://127.0.0.1:${researcherPort}`,
    };
    const mesh = startMeshProcess(['start', 'config'], { cwd: folder.path, env });
    const readyLine = await mesh.waitForLine((line) => line.includes('gateway ready at'), 60_000);
    const url = /gateway ready at (\S+)/.exec(readyLine)?.[1];
    expect(url).toBe(`http://127.0.0.1:${gatewayPort}`);
    // Started together, but the gateway is announced only once both agents listen: the first chat works.
    const order = [
      'agent "assistant" listening',
      'agent "researcher" listening',
      'gateway ready at',
    ].map((text) => mesh.lines.findIndex((line) => line.includes(text)));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect(Math.max(order[0]!, order[1]!)).toBeLessThan(order[2]!);
    expect(mesh.lines.some((line) => line.startsWith('assistant  | {'))).toBe(true);
    expect(mesh.lines.some((line) => line.startsWith('gateway    | {'))).toBe(true);

    const browser = new ApiClient(url!);
    const sessionId = (await browser.request('POST', '/api/v1/sessions', { agent: 'assistant' }))
      .body.id;
    const reply = await browser.request(
      'POST',
      `/api/v1/sessions/${sessionId}/messages?wait=true`,
      {
        text: 'My favorite color is blue',
      },
    );
    expect(reply.body.status).toBe('completed');
    const answer = await browser.request(
      'POST',
      `/api/v1/sessions/${sessionId}/messages?wait=true`,
      {
        text: 'What is my favorite color?',
      },
    );
    expect(answer.body.text.toLowerCase()).toContain('blue');

    const pids = new Set<number>();
    for (const line of mesh.lines) {
      const match = /^\S+\s+\| (\{.*\})$/.exec(line);
      if (!match) continue;
      const pid = (JSON.parse(match[1]!) as { pid?: unknown }).pid;
      if (typeof pid === 'number') pids.add(pid);
    }
    expect(pids.size).toBe(3);
    expect([...pids].every(isAlive)).toBe(true);

    const exit = await mesh.kill('SIGTERM');
    expect(exit.code).toBe(0);
    await waitFor(() => [...pids].every((pid) => !isAlive(pid)), {
      description: 'every child to exit',
    });
    expect(mesh.lines.some((line) => line.includes('stopping every process'))).toBe(true);
    expect(mesh.lines.some((line) => /^gateway\s+\|.*gateway stopped/.test(line))).toBe(true);
  });
});
