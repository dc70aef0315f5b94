import { median, summarize, type Summary } from '../report/stats.js';
import { measureInterleaved } from '../timing/measure-interleaved.js';
import { runConcurrently } from '../timing/run-concurrently.js';
import type { CpuMeter } from './cpu-meters.js';
import type { TurnDriverFactory } from './turn-drivers.js';

/**
 * Turn latency at concurrency 1: ours and the reference alternate turn by turn (after `warmup` each), one
 * browser each. Returns both latency summaries in ms.
 */
export async function measureTurnLatency(
  ours: TurnDriverFactory,
  reference: TurnDriverFactory,
  warmup: number,
  runs: number,
): Promise<{ ours: Summary; reference: Summary }> {
  const [oursDriver, referenceDriver] = [
    await ours(1, warmup + runs),
    await reference(1, warmup + runs),
  ];
  try {
    let oursIndex = 0;
    let referenceIndex = 0;
    const samples = await measureInterleaved({
      warmup,
      runs,
      ours: () => oursDriver.turn(0, oursIndex++),
      reference: () => referenceDriver.turn(0, referenceIndex++),
    });
    return { ours: summarize(samples.ours), reference: summarize(samples.reference) };
  } finally {
    oursDriver.close();
    referenceDriver.close();
  }
}

/** Throughput of both sides, and the CPU time each meter measured per turn of each side. */
export interface TurnThroughput {
  ours: number;
  reference: number;
  /** Median CPU ms per turn by meter name, per side (only figures that grew). */
  cpuMsPerTurn: { ours: Record<string, number>; reference: Record<string, number> };
}

/**
 * Turns per second with `workers` browsers at once, each running `turnsPerWorker` turns; `rounds` runs
 * per side with the order swapped each round. Returns the median turns/s of each side and the CPU time
 * the meters measured per turn (which, unlike turns/s, other load on the machine hardly moves). Meters
 * start in order and stop in reverse, so a meter listed last (the bench client's) leaves out the others'
 * reading of /proc.
 */
export async function measureTurnThroughput(
  ours: TurnDriverFactory,
  reference: TurnDriverFactory,
  workers: number,
  turnsPerWorker: number,
  rounds: number,
  meters: readonly CpuMeter[] = [],
): Promise<TurnThroughput> {
  const turns = workers * turnsPerWorker;
  const results = { ours: [] as number[], reference: [] as number[] };
  const cpu = { ours: new Map<string, number[]>(), reference: new Map<string, number[]>() };
  const runSide = async (side: 'ours' | 'reference'): Promise<void> => {
    const driver = await (side === 'ours' ? ours : reference)(workers, turnsPerWorker);
    try {
      const stops = meters.map((meter) => meter.start());
      const run = await runConcurrently(workers, turnsPerWorker, (worker, index) =>
        driver.turn(worker, index),
      );
      const used = stops.reverse().map((stop) => stop());
      results[side].push((turns * 1000) / run.elapsedMs);
      for (const [name, ms] of used.flatMap((figures) => Object.entries(figures))) {
        if (ms <= 0) continue;
        const samples = cpu[side].get(name) ?? [];
        samples.push(ms / turns);
        cpu[side].set(name, samples);
      }
    } finally {
      driver.close();
    }
  };
  for (let round = 0; round < rounds; round += 1) {
    const order =
      round % 2 === 0 ? (['ours', 'reference'] as const) : (['reference', 'ours'] as const);
    for (const side of order) await runSide(side);
  }
  const perTurn = (samples: Map<string, number[]>): Record<string, number> =>
    Object.fromEntries([...samples].map(([name, values]) => [name, median(values)]));
  return {
    ours: median(results.ours),
    reference: median(results.reference),
    cpuMsPerTurn: { ours: perTurn(cpu.ours), reference: perTurn(cpu.reference) },
  };
}
