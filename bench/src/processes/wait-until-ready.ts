import { performance } from 'node:perf_hooks';
import type { NodeProcess } from './node-process.js';

/** How often readiness is polled: short, since start-up time is one of the figures. */
const pollIntervalMs = 20;

/**
 * Polls each URL until it answers 200 (all of them), failing with the processes' output when one of them
 * exits or the deadline passes. Resolves with the milliseconds elapsed since `startedAt`.
 */
export async function waitUntilReady(
  urls: readonly string[],
  processes: readonly NodeProcess[],
  startedAt: number,
  timeoutMs: number,
): Promise<number> {
  const pending = new Set(urls);
  const deadline = startedAt + timeoutMs;
  while (pending.size > 0) {
    for (const child of processes) {
      const status = child.exitStatus();
      if (status !== undefined) {
        throw new Error(`${child.name} exited (${status}) before it was ready:\n${child.output()}`);
      }
    }
    if (performance.now() > deadline) {
      throw new Error(
        `Not ready within ${timeoutMs} ms: ${[...pending].join(', ')}\n` +
          processes.map((child) => `--- ${child.name}\n${child.output()}`).join('\n'),
      );
    }
    await Promise.all(
      [...pending].map(async (url) => {
        if (await answersOk(url)) pending.delete(url);
      }),
    );
    if (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
  return performance.now() - startedAt;
}

async function answersOk(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}
