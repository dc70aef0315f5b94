import type { SessionKey } from '@agent-mesh/agent-runtime';
import type { RawDriver, RawEventRow } from '../raw-driver/raw-driver.js';
import { createBenchEvent, createCompactionEvent, toRawEventRow } from './event-payload.js';
import { benchAppName, emptySessionRow, type StorePair } from './open-store-pair.js';

/** Events generated and inserted per transaction while seeding (bounds memory at 100,000 events). */
const seedChunk = 10_000;

/** A seeded long session: its key on our side, its pk on the reference side, and where its window starts. */
export interface SeededSession {
  key: SessionKey;
  referencePk: number;
  total: number;
  /** seq of the compaction event; it covers 1..compactionSeq-1. */
  compactionSeq: number;
  /** Last seq the compaction covers: a turn reads the events after it. */
  coveredEnd: number;
}

/**
 * Seeds the same session on both sides with bulk raw inserts: `total` events of which the one at
 * `total - liveWindow` is a compaction covering everything before it, so a turn's live window is the
 * `liveWindow` events after it, however long the history. The session row ends as appends would leave it.
 */
export async function seedCompactedSession(
  pair: StorePair,
  sessionId: string,
  total: number,
  liveWindow: number,
): Promise<SeededSession> {
  const key = { appName: benchAppName, userId: 'bench-user', sessionId };
  const compactionSeq = total - liveWindow;
  const coveredEnd = compactionSeq - 1;
  const row = { ...emptySessionRow(key), lastSeq: total, compactionSeq };
  const oursPk = (await pair.seeder.insertSessions([row])).get(sessionId) as number;
  const referencePk = (await pair.reference.insertSessions([row])).get(sessionId) as number;
  for (let first = 1; first <= total; first += seedChunk) {
    const last = Math.min(total, first + seedChunk - 1);
    const events = Array.from({ length: last - first + 1 }, (_, offset) => {
      const seq = first + offset;
      return seq === compactionSeq
        ? createCompactionEvent(1, coveredEnd)
        : createBenchEvent(seq - 1);
    });
    await pair.seeder.insertEvents(rowsFor(events, oursPk, first));
    await pair.reference.insertEvents(rowsFor(events, referencePk, first));
  }
  await analyzeBoth(pair);
  return { key, referencePk, total, compactionSeq, coveredEnd };
}

function rowsFor(
  events: readonly ReturnType<typeof createBenchEvent>[],
  sessionPk: number,
  firstSeq: number,
): RawEventRow[] {
  return events.map((event, offset) => toRawEventRow(event, sessionPk, firstSeq + offset));
}

/**
 * Seeds `count` sessions of one user (and as many of another user, so the index has to select) on both
 * sides, updated one second apart, as a listing would find them after months of use.
 */
export async function seedUserSessions(
  pair: StorePair,
  userId: string,
  count: number,
): Promise<void> {
  const start = Date.now() - count * 1000;
  for (const owner of [userId, `${userId}-neighbour`]) {
    const rows = Array.from({ length: count }, (_, index) => {
      const at = new Date(start + index * 1000);
      return {
        ...emptySessionRow({ appName: benchAppName, userId: owner, sessionId: `s-${index}` }, at),
        lastSeq: 10,
      };
    });
    await insertBoth(pair.seeder, pair.reference, rows);
  }
  await analyzeBoth(pair);
}

async function analyzeBoth(pair: StorePair): Promise<void> {
  await pair.seeder.analyze();
  await pair.reference.analyze();
}

async function insertBoth(
  ours: RawDriver,
  reference: RawDriver,
  rows: Parameters<RawDriver['insertSessions']>[0],
): Promise<void> {
  await ours.insertSessions(rows);
  await reference.insertSessions(rows);
}
