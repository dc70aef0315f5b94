import { summarize, type Summary } from '../report/stats.js';
import { measureInterleaved } from '../timing/measure-interleaved.js';
import { benchAppName, type StorePair } from './open-store-pair.js';
import type { SeededSession } from './seed-sessions.js';

/** Page size of the history read: the largest listEvents accepts, i.e. the fewest round trips. */
export const maxHistoryPageSize = 1000;

/** Timings in ms of ours and of the raw reference for one read, same run, interleaved. */
export interface ReadFigures {
  ours: Summary;
  reference: Summary;
}

/** How many timed runs (after warm-up) each read gets. */
export interface ReadRuns {
  warmup: number;
  runs: number;
}

/**
 * loadForTurn on seeded sessions of several lengths, each against the raw driver's one query for the same
 * rows (the events after the compacted range). Every run visits every session in turn, ours and raw
 * alternately, so a burst of other load on the machine weighs on all lengths alike and the curve stays
 * comparable. Checks first that ours really reads only the live window. Results are in `sessions` order.
 */
export async function measureLoadForTurn(
  pair: StorePair,
  sessions: readonly SeededSession[],
  runs: ReadRuns,
): Promise<ReadFigures[]> {
  for (const session of sessions) {
    const turn = await pair.service.loadForTurn(session.key);
    const expectedLive = session.total - session.compactionSeq;
    if (turn?.summary?.seq !== session.compactionSeq || turn.events.length !== expectedLive) {
      throw new Error(
        `Seeded session ${session.key.sessionId} does not load as expected: summary seq ` +
          `${String(turn?.summary?.seq)} (want ${session.compactionSeq}), ${String(turn?.events.length)} live events (want ${expectedLive}).`,
      );
    }
  }
  const samples = sessions.map(() => ({ ours: [] as number[], reference: [] as number[] }));
  for (let run = 0; run < runs.warmup + runs.runs; run += 1) {
    for (const [index, session] of sessions.entries()) {
      const measured = await measureInterleaved({
        warmup: 0,
        runs: 1,
        ours: () => pair.service.loadForTurn(session.key),
        reference: () =>
          pair.reference.selectEventsAfter(session.referencePk, session.coveredEnd, session.total),
        oursFirst: (run + index) % 2 === 0,
      });
      if (run < runs.warmup) continue;
      samples[index]?.ours.push(...measured.ours);
      samples[index]?.reference.push(...measured.reference);
    }
  }
  return samples.map((side) => ({
    ours: summarize(side.ours),
    reference: summarize(side.reference),
  }));
}

/**
 * Reads a session's full history through listEvents, page after page of the largest page size, against
 * the raw driver's single `SELECT … ORDER BY seq`. Checks that ours returned every event.
 */
export async function measureHistoryRead(
  pair: StorePair,
  session: SeededSession,
  runs: ReadRuns,
): Promise<ReadFigures> {
  const readAll = async (): Promise<number> => {
    let count = 0;
    let afterSeq: number | null = 0;
    while (afterSeq !== null) {
      const page = await pair.service.listEvents(session.key, {
        afterSeq,
        limit: maxHistoryPageSize,
      });
      count += page.events.length;
      afterSeq = page.nextAfterSeq;
    }
    return count;
  };
  const read = await readAll();
  if (read !== session.total) {
    throw new Error(`listEvents returned ${read} events of ${session.total}.`);
  }
  const samples = await measureInterleaved({
    ...runs,
    ours: readAll,
    reference: () => pair.reference.selectHistory(session.referencePk),
  });
  return { ours: summarize(samples.ours), reference: summarize(samples.reference) };
}

/** listSessions' first page of `limit` against the raw driver's `ORDER BY updated_at DESC LIMIT n`. */
export async function measureListSessions(
  pair: StorePair,
  userId: string,
  limit: number,
  runs: ReadRuns,
): Promise<ReadFigures> {
  const page = await pair.service.listSessions(benchAppName, userId, { limit });
  if (page.sessions.length !== limit) {
    throw new Error(`listSessions returned ${page.sessions.length} sessions, want ${limit}.`);
  }
  const samples = await measureInterleaved({
    ...runs,
    ours: () => pair.service.listSessions(benchAppName, userId, { limit }),
    reference: () => pair.reference.selectRecentSessions(benchAppName, userId, limit),
  });
  return { ours: summarize(samples.ours), reference: summarize(samples.reference) };
}
