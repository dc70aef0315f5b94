import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../processes/find-free-port.js';
import { startNodeProcess } from '../processes/node-process.js';
import { startBareNodeServer } from '../processes/start-bare-node-server.js';
import { waitUntilReady } from '../processes/wait-until-ready.js';
import { createRow, createUnavailableRow, type BenchRow } from '../report/bench-row.js';
import { median } from '../report/stats.js';
import { cliEntry } from '../processes/start-bench-mesh.js';
import { copyDefaultConfig } from './copy-default-config.js';

/** The repository's default config folder, what `pnpm start` runs. */
const defaultConfigFolder = fileURLToPath(new URL('../../../config/', import.meta.url));

const name = '`agent-mesh start config/` to every /readyz 200 (empty data/), median';

/**
 * Times `agent-mesh start` on a fresh copy of the default config (its own temp folder as cwd, so ./data
 * is empty and every database is created and migrated) until the gateway's and every agent's /readyz
 * answer 200, `runs` times, alternating with a bare Node HTTP server's spawn-to-first-answer.
 */
export async function runStartupBench(
  runs: number,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const ours: number[] = [];
  const reference: number[] = [];
  try {
    for (let run = 0; run < runs; run += 1) {
      log(`start-up run ${run + 1} of ${runs}`);
      if (run % 2 === 0) {
        ours.push(await timeMeshStart());
        reference.push(await timeBareStart());
      } else {
        reference.push(await timeBareStart());
        ours.push(await timeMeshStart());
      }
    }
  } catch (error) {
    return [
      createUnavailableRow({
        group: 'startup',
        name,
        database: 'sqlite',
        unit: 's',
        better: 'lower',
        target: { kind: 'below', limit: 3 },
        reason: (error instanceof Error ? error.message : String(error))
          .split('\n')
          .slice(0, 3)
          .join(' '),
      }),
    ];
  }
  return [
    createRow({
      group: 'startup',
      name,
      database: 'sqlite',
      unit: 's',
      better: 'lower',
      value: median(ours),
      reference: {
        label: 'bare Node HTTP server, spawn to first answer',
        value: median(reference),
      },
      target: { kind: 'below', limit: 3 },
      details: { runs: ours, referenceRuns: reference },
    }),
  ];
}

async function timeMeshStart(): Promise<number> {
  const folder = mkdtempSync(join(tmpdir(), 'agent-mesh-start-'));
  try {
    const config = await copyDefaultConfig(defaultConfigFolder, join(folder, 'config'));
    const startedAt = performance.now();
    const supervisor = startNodeProcess({
      name: 'agent-mesh start',
      args: [cliEntry, 'start', 'config'],
      cwd: folder,
      env: config.env,
    });
    try {
      const urls = [config.gatewayUrl, ...config.agentUrls].map((url) => `${url}/readyz`);
      return (await waitUntilReady(urls, [supervisor], startedAt, 60_000)) / 1000;
    } finally {
      await supervisor.stop();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function timeBareStart(): Promise<number> {
  const port = await findFreePort();
  const startedAt = performance.now();
  const bare = startBareNodeServer(port);
  try {
    return (await waitUntilReady([`http://127.0.0.1:${port}/`], [bare], startedAt, 10_000)) / 1000;
  } finally {
    await bare.stop();
  }
}
