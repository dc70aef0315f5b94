import { testDatabaseProviders } from '@agent-mesh/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureConcurrentAppend, measureSequentialAppend } from './measure-append.js';
import { measureHistoryRead, measureListSessions, measureLoadForTurn } from './measure-reads.js';
import { benchAppName, openStorePair, type StorePair } from './open-store-pair.js';
import { seedCompactedSession, seedUserSessions } from './seed-sessions.js';

// The benchmark is only fair if raw-seeded rows are exactly what the session service writes and reads:
// these run the real service and the bare driver on real databases, with tiny sizes.
describe.each(testDatabaseProviders)('session-store bench on %s', (provider) => {
  let pair: StorePair;
  beforeAll(async () => {
    pair = await openStorePair(provider);
  });
  afterAll(async () => {
    await pair.close();
  });

  it('seeds a compacted session that loadForTurn reads as summary plus live window', async () => {
    const seeded = await seedCompactedSession(pair, 'seeded', 50, 10);
    const turn = await pair.service.loadForTurn(seeded.key);
    expect(turn?.session.lastSeq).toBe(50);
    expect(turn?.summary?.seq).toBe(40);
    expect(turn?.summary?.actions.compaction).toMatchObject({ startSeq: 1, endSeq: 39 });
    expect(turn?.events.map((event) => event.seq)).toEqual([
      41, 42, 43, 44, 45, 46, 47, 48, 49, 50,
    ]);
    expect(turn?.events[0]?.timestamp).toBeInstanceOf(Date);
    const reference = await pair.reference.selectEventsAfter(
      seeded.referencePk,
      seeded.coveredEnd,
      seeded.total,
    );
    expect(reference).toHaveLength(11); // the compaction event and the live window
    const history = await pair.reference.selectHistory(seeded.referencePk);
    const page = await pair.service.listEvents(seeded.key, { limit: 1000 });
    expect(page.events.map((event) => event.id)).toEqual(
      (history as { id: string }[]).map((row) => row.id),
    );
  });

  it('seeds sessions that listSessions returns newest first, like the raw query', async () => {
    await seedUserSessions(pair, 'lister', 30);
    const page = await pair.service.listSessions(benchAppName, 'lister', { limit: 5 });
    const raw = (await pair.reference.selectRecentSessions(benchAppName, 'lister', 5)) as {
      id: string;
    }[];
    expect(page.sessions.map((session) => session.sessionId)).toEqual([
      's-29',
      's-28',
      's-27',
      's-26',
      's-25',
    ]);
    expect(raw.map((row) => row.id)).toEqual(['s-29', 's-28', 's-27', 's-26', 's-25']);
  });

  it('appends the same events on both sides and measures both', async () => {
    const figures = await measureSequentialAppend(pair, 6, 1);
    expect(figures.ours.latencyMs.count).toBe(6);
    expect(figures.reference.latencyMs.count).toBe(6);
    const turn = await pair.service.loadForTurn({
      appName: benchAppName,
      userId: 'bench-user',
      sessionId: 'sequential-append',
    });
    expect(turn?.events).toHaveLength(7);
    const concurrent = await measureConcurrentAppend(pair, 3, 2, 1);
    expect(concurrent.ours).toBeGreaterThan(0);
    expect(concurrent.reference).toBeGreaterThan(0);
  });

  it('times loadForTurn at every length, the same number of times', async () => {
    const short = await seedCompactedSession(pair, 'short', 25, 5);
    const long = await seedCompactedSession(pair, 'long', 200, 5);
    const figures = await measureLoadForTurn(pair, [short, long], { warmup: 1, runs: 3 });
    expect(figures.map((figure) => [figure.ours.count, figure.reference.count])).toEqual([
      [3, 3],
      [3, 3],
    ]);
  });

  it('refuses to time reads whose set-up is wrong', async () => {
    const seeded = await seedCompactedSession(pair, 'checked', 30, 5);
    await expect(
      measureLoadForTurn(pair, [{ ...seeded, compactionSeq: 20 }], { warmup: 0, runs: 1 }),
    ).rejects.toThrow(/does not load as expected/);
    await expect(
      measureHistoryRead(pair, { ...seeded, total: 31 }, { warmup: 0, runs: 1 }),
    ).rejects.toThrow(/returned 30 events of 31/);
    await expect(measureListSessions(pair, 'nobody', 5, { warmup: 0, runs: 1 })).rejects.toThrow(
      /returned 0 sessions, want 5/,
    );
  });
});
