import type { DatabaseProvider } from '@agent-mesh/shared';
import { createRow, createUnavailableRow, type BenchRow } from '../report/bench-row.js';
import { summarize } from '../report/stats.js';
import { startBenchCluster, type BenchCluster } from './bench-cluster.js';
import { measureFailoverStalls } from './measure-failover-stall.js';
import { measureTurnThroughput, type TurnThroughputSettings } from './measure-turn-throughput.js';

/** What runScaleBench measures; everything but `log` has a quick-run default. */
export interface ScaleBenchOptions {
  /** Longer runs and 20 kills instead of 5. */
  full?: boolean;
  /** Progress lines (stderr in the bench). */
  log?: (line: string) => void;
  /** The database both gateways and both replicas share (default postgresql). */
  provider?: DatabaseProvider;
  throughput?: Partial<TurnThroughputSettings>;
  /** How many times the serving replica is SIGKILLed mid-reply. */
  kills?: number;
}

const group = 'gateway-turn' as const;

/**
 * The scale-out benchmark: sustained turns per second through 2 gateways and 2 replicas of one agent
 * (built-in model, no streaming delay) beside the same load on 1 gateway + 1 replica, and the failover
 * stall — from SIGKILLing the replica serving a reply to the first text of the other replica on the
 * browser's WebSocket — p50 and p99. Every process is a real `agent-mesh` child on one shared database
 * server; needs a build (`npx tsc -b`). A cluster that cannot start gives "not available" rows.
 */
export async function runScaleBench(options: ScaleBenchOptions = {}): Promise<BenchRow[]> {
  const log = options.log ?? (() => undefined);
  const provider = options.provider ?? 'postgresql';
  const settings: TurnThroughputSettings = {
    users: options.throughput?.users ?? 8,
    durationMs: options.throughput?.durationMs ?? (options.full ? 30_000 : 10_000),
    turnsPerSession: options.throughput?.turnsPerSession ?? 10,
  };
  const kills = options.kills ?? (options.full ? 20 : 5);
  const rows: BenchRow[] = [];
  const base = { group, database: provider };

  const throughputName = `scale-out turns/s, 2 gateways + 2 replicas (${settings.users} users)`;
  try {
    log(
      `scale: 1 gateway + 1 replica, ${settings.users} users for ${settings.durationMs / 1000} s`,
    );
    const single = await withCluster(
      { provider, gateways: 1, replicas: 1, modelDelayMs: 0 },
      (cluster) => measureTurnThroughput(cluster, settings),
    );
    log(
      `scale: 2 gateways + 2 replicas, ${settings.users} users for ${settings.durationMs / 1000} s`,
    );
    const scaled = await withCluster(
      { provider, gateways: 2, replicas: 2, modelDelayMs: 0 },
      (cluster) => measureTurnThroughput(cluster, settings),
    );
    log(
      `scale: ${scaled.turnsPerSecond.toFixed(1)} turns/s scaled out, ${single.turnsPerSecond.toFixed(1)} on one of each`,
    );
    rows.push(
      createRow({
        ...base,
        name: throughputName,
        unit: 'turns/s',
        better: 'higher',
        value: scaled.turnsPerSecond,
        reference: { label: '1 gateway + 1 replica, same load', value: single.turnsPerSecond },
        note:
          'A turn is POST /messages?wait=true answered by the built-in model (no delay) and stored by both ' +
          'the agent and the gateway; every process shares the machine, so the ratio shows overhead more ' +
          'than capacity on a small host.',
        details: { settings, scaled, single },
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
