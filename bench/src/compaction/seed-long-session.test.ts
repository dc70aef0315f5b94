import { createSessionService } from '@agent-mesh/agent-runtime';
import { openDatabase } from '@agent-mesh/shared';
import { createTestDatabase } from '@agent-mesh/shared/testing';
import { describe, expect, it } from 'vitest';
import { runCompactionBench } from './run-compaction-bench.js';
import { seedLongSession } from './seed-long-session.js';

describe('the compaction bench', () => {
  it('seeds a session the session service reads like one built by appends', async () => {
    const test = await createTestDatabase('sqlite');
    const database = await openDatabase({ url: test.url, schema: 'agent' });
    const sessions = createSessionService({ type: 'sql', database });
    try {
      const key = { appName: 'bench-agent', userId: 'u', sessionId: 's' };
      const seeded = await seedLongSession(database, key, { events: 500, compactedEvents: 400 });
      expect(seeded).toMatchObject({ events: 501, liveEvents: 100 });
      const session = await sessions.getSession(key);
      expect(session).toMatchObject({ lastSeq: 501, compactionSeq: 401 });
      const context = await sessions.loadForTurn(key);
      expect(context?.summary?.seq).toBe(401);
      expect(context?.events.map((event) => event.seq)).toEqual(
        Array.from({ length: 100 }, (_, index) => 402 + index),
      );
      expect(context?.events[0]?.author).toBe('user');
      const appended = await sessions.appendEvent(key, { invocationId: 'next', author: 'user' });
      expect(appended.seq).toBe(502);
    } finally {
      await sessions.close();
      await database.close();
      await test.drop();
    }
  });

  it('measures a compaction per run and shape', async () => {
    const results = await runCompactionBench({ providers: ['sqlite'], events: 400, runs: 2 });
    expect(
      results.map((result) => [result.scenario, result.liveEvents, result.turnsCompacted]),
    ).toEqual([
      ['uncompacted', 400, 50],
      ['compacted-before', 200, 25],
    ]);
    for (const result of results) {
      expect(result.error).toBeUndefined();
      expect(result.compactMs).toHaveLength(2);
      expect(result.loadMs).toHaveLength(2);
    }
  });
});
