import type { DatabaseProvider } from '@agent-mesh/shared';
import { createRow, createUnavailableRow, type BenchRow } from '../report/bench-row.js';
import { median, summarize } from '../report/stats.js';
import { startBenchCluster, type BenchCluster } from './bench-cluster.js';
import { measureFailoverStalls } from './measure-failover-stall.js';
import {
  createTurnLoad,
  type TurnLoadSettings,
  type TurnWindow,
} from './measure-turn-throughput.js';

/** What runScaleBench measures; everything but `log` has a quick-run default. */
export interface ScaleBenchOptions {
  /** More and longer windows, and 20 kills instead of 5. */
  full?: boolean;
  /** Progress lines (stderr in the bench). */
  log?: (line: string) => void;
  /** The database both gateways and both replicas share (default postgresql). */
  provider?: DatabaseProvider;
  throughput?: Partial<TurnLoadSettings & { windows: number; windowMs: number }>;
  /** How many times the serving replica is SIGKILLed mid-reply. */
  kills?: number;
}

const group = 'scale' as const;

/**
 * The scale-out benchmark: sustained turns per second through 2 gateways and 2 replicas of one agent
 * (built-in model, no streaming delay) beside the same load on 1 gateway + 1 replica — both clusters
 * up at once, measured in alternating windows so machine drift weighs on both, median window reported —
 * and the failover stall, from SIGKILLing the replica serving a reply to the first text of the other
 * replica on the browser's WebSocket, p50 and p99. Every process is a real `agent-mesh` child on one
 * shared database server; needs a build (`npx tsc -b`). What cannot run gives a "not available" row.
 */
export async function runScaleBench(options: ScaleBenchOptions = {}): Promise<BenchRow[]> {
  const log = options.log ?? (() => undefined);
  const provider = options.provider ?? 'postgresql';
  const settings = {
    users: options.throughput?.users ?? 8,
    turnsPerSession: options.throughput?.turnsPerSession ?? 10,
    windows: options.throughput?.windows ?? (options.full ? 10 : 4),
    windowMs: options.throughput?.windowMs ?? (options.full ? 5_000 : 3_000),
  };
  const kills = options.kills ?? (options.full ? 20 : 5);
  const rows: BenchRow[] = [];
  const base = { group, database: provider };

  const throughputName = `scale-out turns/s, 2 gateways + 2 replicas (${settings.users} users)`;
  try {
    const { scaled, single } = await measureThroughputs(provider, settings, log);
    const scaledRate = median(scaled.map((window) => window.turnsPerSecond));
    const singleRate = median(single.map((window) => window.turnsPerSecond));
    log(
      `scale: ${scaledRate.toFixed(1)} turns/s scaled out, ${singleRate.toFixed(1)} on one of each`,
    );
    rows.push(
      createRow({
        ...base,
        name: throughputName,
        unit: 'turns/s',
        better: 'higher',
        value: scaledRate,
        reference: { label: '1 gateway + 1 replica, same load', value: singleRate },
        note:
          'A turn is POST /messages?wait=true answered by the built-in model (no delay) and stored by both ' +
          'the agent and the gateway; median of alternating windows. Every process shares the machine, so ' +
          'on a small host the ratio shows the cost of more processes more than added capacity.',
        details: {
          settings,
          scaled: describeWindows(scaled),
          single: describeWindows(single),
        },
      }),
    );
  } catch (error) {
    rows.push(
      createUnavailableRow({
        ...base,
        name: throughputName,
        unit: 'turns/s',
        better: 'higher',
        reason: describe(error),
      }),
    );
  }

  const stallName = (percentile: string): string =>
    `failover stall ${percentile}, serving replica SIGKILLed (${kills} kills)`;
  try {
    log(`scale: failover, ${kills} kills of the serving replica`);
    const stalls = await withCluster(
      { provider, gateways: 2, replicas: 2, modelDelayMs: 20 },
      (cluster) => measureFailoverStalls(cluster, kills, (line) => log(`scale: ${line}`)),
    );
    if (stalls.stallsMs.length === 0) throw new Error('no failover completed');
    const summary = summarize(stalls.stallsMs);
    const note =
      'From SIGKILL of the replica streaming a reply to the first text of the other replica on the ' +
      "browser's WebSocket (gateway detects the broken stream, re-sends the message with the same " +
      'messageId, the agent de-duplicates it and answers; replies stream at 20 ms per word).';
    const details = { kills, notCompleted: stalls.notCompleted, stallsMs: stalls.stallsMs };
    rows.push(
      createRow({
        ...base,
        name: stallName('p50'),
        unit: 'ms',
        better: 'lower',
        value: summary.p50,
        summary,
        reference: null,
        note,
        details,
      }),
      createRow({
        ...base,
        name: stallName('p99'),
        unit: 'ms',
        better: 'lower',
        value: summary.p99,
        summary,
        reference: null,
        note,
      }),
    );
  } catch (error) {
    rows.push(
      createUnavailableRow({
        ...base,
        name: stallName('p50'),
        unit: 'ms',
        better: 'lower',
        reason: describe(error),
      }),
    );
  }
  return rows;
}

/** Starts both clusters, warms them, then alternates measuring windows between them. */
async function measureThroughputs(
  provider: DatabaseProvider,
  settings: TurnLoadSettings & { windows: number; windowMs: number },
  log: (line: string) => void,
): Promise<{ scaled: TurnWindow[]; single: TurnWindow[] }> {
  return withCluster({ provider, gateways: 2, replicas: 2, modelDelayMs: 0 }, (scaledCluster) =>
    withCluster({ provider, gateways: 1, replicas: 1, modelDelayMs: 0 }, async (singleCluster) => {
      const loads = {
        scaled: createTurnLoad(scaledCluster, settings),
        single: createTurnLoad(singleCluster, settings),
      };
      await loads.scaled.warmUp();
      await loads.single.warmUp();
      const windows: { scaled: TurnWindow[]; single: TurnWindow[] } = { scaled: [], single: [] };
      for (let index = 0; index < settings.windows; index += 1) {
        const order =
          index % 2 === 0 ? (['scaled', 'single'] as const) : (['single', 'scaled'] as const);
        for (const side of order) {
          const window = await loads[side].runWindow(settings.windowMs);
          windows[side].push(window);
          log(
            `scale: window ${index + 1}/${settings.windows} ${side}: ${window.turnsPerSecond.toFixed(1)} turns/s`,
          );
        }
      }
      return windows;
    }),
  );
}

function describeWindows(windows: readonly TurnWindow[]): Record<string, unknown> {
  const latencies = windows.flatMap((window) => window.latenciesMs);
  return {
    turnsPerSecondByWindow: windows.map((window) => Number(window.turnsPerSecond.toFixed(2))),
    turns: windows.reduce((sum, window) => sum + window.turns, 0),
    failed: windows.reduce((sum, window) => sum + window.failed, 0),
    latencyMs: latencies.length > 0 ? summarize(latencies) : null,
  };
}

async function withCluster<T>(
  options: Parameters<typeof startBenchCluster>[0],
  run: (cluster: BenchCluster) => Promise<T>,
): Promise<T> {
  const cluster = await startBenchCluster(options);
  try {
    return await run(cluster);
  } finally {
    await cluster.close();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
