import { measureInterleaved } from '../timing/measure-interleaved.js';
import { runConcurrently } from '../timing/run-concurrently.js';
import { median, summarize, type Summary } from '../report/stats.js';
import { createBenchEvent, toRawEventRow } from './event-payload.js';
import type { StorePair } from './open-store-pair.js';

/** Throughput and per-event latency of one side of an append benchmark. */
export interface AppendSide {
  eventsPerSecond: number;
  latencyMs: Summary;
}

/** Ours (appendEvent) and the reference (one raw single-row INSERT per event), same run. */
export interface AppendFigures {
  ours: AppendSide;
  reference: AppendSide;
}

/**
 * Appends `count` events one after the other to one session on each side, alternating ours and the raw
 * INSERT event by event (after `warmup` untimed ones each), and reports events/s and latency percentiles.
 */
export async function measureSequentialAppend(
  pair: StorePair,
  count: number,
  warmup: number,
): Promise<AppendFigures> {
  const { key, referencePk } = await pair.createSession('sequential-append');
  const events = Array.from({ length: count + warmup }, (_, index) => createBenchEvent(index));
  let ours = 0;
  let reference = 0;
  const samples = await measureInterleaved({
    warmup,
    runs: count,
    ours: () => pair.service.appendEvent(key, events[ours++] as (typeof events)[number]),
    reference: () => {
      const index = reference++;
      return pair.reference.insertEvent(
        toRawEventRow(events[index] as (typeof events)[number], referencePk, index + 1),
      );
    },
  });
  return { ours: sideOf(samples.ours), reference: sideOf(samples.reference) };
}

function sideOf(latenciesMs: number[]): AppendSide {
  const totalMs = latenciesMs.reduce((sum, value) => sum + value, 0);
  return {
    eventsPerSecond: (latenciesMs.length * 1000) / totalMs,
    latencyMs: summarize(latenciesMs),
  };
}

/** Throughput of both sides and the CPU this (client) process spent per event on each. */
export interface ConcurrentAppendFigures {
  ours: number;
  reference: number;
  /** Median client CPU µs per event: the driver and ORM work, which other load hardly moves. */
  clientCpuMicrosPerEvent: { ours: number; reference: number };
}

/**
 * `sessions` writers at once, each appending `eventsPerSession` events to its own session, on each side;
 * repeated `rounds` times with the order of the sides swapped each round. Reports the median events/s
 * and the median CPU time this process spent per event.
 */
export async function measureConcurrentAppend(
  pair: StorePair,
  sessions: number,
  eventsPerSession: number,
  rounds: number,
  /** `least`: time the raw driver's least SQL of our append (on our database) instead of appendEvent. */
  side: 'service' | 'least' = 'service',
): Promise<ConcurrentAppendFigures> {
  const total = sessions * eventsPerSession;
  const ours: number[] = [];
  const reference: number[] = [];
  const cpu = { ours: [] as number[], reference: [] as number[] };
  const cpuPerEvent = (start: NodeJS.CpuUsage): number => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / total;
  };
  for (let round = 0; round < rounds; round += 1) {
    const created = await Promise.all(
      Array.from({ length: sessions }, (_, index) =>
        pair.createSession(`concurrent-${side}-${round}-${index}`),
      ),
    );
    const oursPks =
      side === 'least'
        ? await Promise.all(created.map(({ key }) => oursPk(pair, key.sessionId)))
        : [];
    const events = Array.from({ length: eventsPerSession }, (_, index) => createBenchEvent(index));
    const runOurs = async (): Promise<void> => {
      const start = process.cpuUsage();
      const run = await runConcurrently(sessions, eventsPerSession, (worker, index) =>
        side === 'least'
          ? pair.seeder.appendWithSessionUpdate(
              toRawEventRow(events[index] ?? missing(), oursPks[worker] ?? missing(), index + 1),
              new Date(),
            )
          : pair.service.appendEvent(created[worker]?.key ?? missing(), events[index] ?? missing()),
      );
      cpu.ours.push(cpuPerEvent(start));
      ours.push((total * 1000) / run.elapsedMs);
    };
    const runReference = async (): Promise<void> => {
      const start = process.cpuUsage();
      const run = await runConcurrently(sessions, eventsPerSession, (worker, index) =>
        pair.reference.insertEvent(
          toRawEventRow(
            events[index] ?? missing(),
            created[worker]?.referencePk ?? missing(),
            index + 1,
          ),
        ),
      );
      cpu.reference.push(cpuPerEvent(start));
      reference.push((total * 1000) / run.elapsedMs);
    };
    if (round % 2 === 0) {
      await runOurs();
      await runReference();
    } else {
      await runReference();
      await runOurs();
    }
  }
  return {
    ours: median(ours),
    reference: median(reference),
    clientCpuMicrosPerEvent: { ours: median(cpu.ours), reference: median(cpu.reference) },
  };
}

function missing(): never {
  throw new Error('benchmark bookkeeping error: index out of range');
}

/**
 * The least SQL of our append, timed beside the plain INSERT: the raw driver moving the session row's
 * last_seq and updated_at on and inserting the event in one transaction (one statement on PostgreSQL),
 * on our database (a session of its own), alternating event by event with the reference's INSERT. Its
 * ratio to the INSERT is the most any implementation of "an append that keeps the session row in step"
 * can reach on these tables: the physical ceiling of the append target.
 */
export async function measureLeastAppend(
  pair: StorePair,
  count: number,
  warmup: number,
): Promise<AppendFigures> {
  const { key, referencePk } = await pair.createSession('least-append');
  const sessionPk = await oursPk(pair, key.sessionId);
  const events = Array.from({ length: count + warmup }, (_, index) => createBenchEvent(index));
  let least = 0;
  let reference = 0;
  const samples = await measureInterleaved({
    warmup,
    runs: count,
    ours: () => {
      const index = least++;
      const event = events[index] ?? missing();
      return pair.seeder.appendWithSessionUpdate(
        toRawEventRow(event, sessionPk, index + 1),
        new Date(),
      );
    },
    reference: () => {
      const index = reference++;
      return pair.reference.insertEvent(
        toRawEventRow(events[index] ?? missing(), referencePk, index + 1),
      );
    },
  });
  return { ours: sideOf(samples.ours), reference: sideOf(samples.reference) };
}

/** The pk of one of our sessions, for the raw driver writing to our database. */
async function oursPk(pair: StorePair, sessionId: string): Promise<number> {
  const [found] = await pair.database.driver.query<{ pk: number }>(
    `SELECT pk FROM sessions WHERE id = ${pair.provider === 'postgresql' ? '$1' : '?'}`,
    [sessionId],
  );
  return Number(found?.pk ?? missing());
}
