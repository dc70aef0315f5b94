import { openDatabase, type AgentDatabase } from '@agent-mesh/shared';
import {
  createTestDatabase,
  testDatabaseProviders,
  type TestDatabase,
} from '@agent-mesh/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuiltinRecallModel } from '../models/builtin/builtin-recall-model.js';
import { SqlSessionService } from '../sessions/sql-session-service.js';
import { lockerConversation } from '../testing/locker-conversation.js';
import { compactSession } from './compact-session.js';
import { createSessionLock } from './create-session-lock.js';
import type { SessionLock } from './session-lock.js';
import { compactWith, newSessionKey, testInstruction } from './testing/compaction-runner.js';
import { runTurnsWithCompaction } from './testing/run-turns-with-compaction.js';
import { adaExchange, lockerExchanges, seedConversation } from './testing/seed-conversation.js';

/** A promise and the function that settles it, to hold a lock exactly as long as a test wants. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe.each(testDatabaseProviders)('compaction on %s', (provider) => {
  let testDatabase: TestDatabase;
  let first: AgentDatabase;
  let second: AgentDatabase;
  let sessions: SqlSessionService;
  let lock: SessionLock;
  let compact: ReturnType<typeof compactWith>;
  const model = new BuiltinRecallModel();

  beforeAll(async () => {
    testDatabase = await createTestDatabase(provider);
    first = await openDatabase({
      url: testDatabase.url,
      schema: 'agent',
      pool: { max_connections: 4 },
    });
    // A second pool on the same database stands in for another replica.
    second = await openDatabase({
      url: testDatabase.url,
      schema: 'agent',
      migrate: false,
      pool: { max_connections: 4 },
    });
    sessions = new SqlSessionService(first);
    lock = createSessionLock(first);
    compact = compactWith(sessions, lock, model);
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await testDatabase?.drop();
  });

  it('stores a compaction event that the next turn loads from, originals kept', async () => {
    const key = newSessionKey();
    await seedConversation(sessions, key, [adaExchange, ...lockerExchanges(7)]);
    const firstResult = await compact(key, 0.5, 'manual');
    expect(firstResult).toMatchObject({
      status: 'compacted',
      turnsCompacted: 4,
      startSeq: 1,
      endSeq: 8,
      eventSeq: 17,
    });
    const secondResult = await compact(key, 0.5, 'overflow');
    expect(secondResult).toMatchObject({
      status: 'compacted',
      turnsCompacted: 2,
      startSeq: 1,
      endSeq: 12,
      eventSeq: 18,
    });

    // Read back through a service on the other pool, as another replica would.
    const context = await new SqlSessionService(second).loadForTurn(key);
    expect(context?.session.compactionSeq).toBe(18);
    expect(context?.summary?.actions.compaction).toMatchObject({
      startSeq: 1,
      endSeq: 12,
      reason: 'overflow',
    });
    expect(context?.summary?.actions.compaction?.summary).toContain('Ada Lovelace');
    expect(context?.events.map((event) => event.seq)).toEqual([13, 14, 15, 16]);
    const history = await sessions.listEvents(key, { limit: 100 });
    expect(history.events).toHaveLength(18);
  });

  it('lets two pools racing on one session compact it exactly once', async () => {
    const key = newSessionKey();
    await seedConversation(sessions, key, lockerExchanges(8));
    const replicas = [first, second, first, second].map((database) => ({
      sessions: new SqlSessionService(database),
      lock: createSessionLock(database),
    }));
    const results = await Promise.all(
      replicas.map((replica) =>
        compactSession({
          ...replica,
          key,
          model,
          percentage: 0.25,
          reason: 'overflow',
          expectedCompactionSeq: null,
        }),
      ),
    );
    expect(results.filter((result) => result.status === 'compacted')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'already-compacted')).toHaveLength(3);
    const history = await sessions.listEvents(key, { limit: 100 });
    expect(history.events.filter((event) => event.actions.compaction !== undefined)).toHaveLength(
      1,
    );
  });

  it('makes a waiter give up with CONFLICT while another replica holds the lock', async () => {
    const key = newSessionKey();
    const held = gate();
    const holding = gate();
    const holder = createSessionLock(first).withLock(key, async () => {
      holding.open();
      await held.opened;
      return 'holder done';
    });
    await holding.opened;
    const impatient = createSessionLock(second, { waitTimeoutMs: 300 });
    const startedAt = Date.now();
    await expect(impatient.withLock(key, () => Promise.resolve('never'))).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
    // Another session is not blocked by that lock.
    await expect(impatient.withLock(newSessionKey(), () => Promise.resolve('free'))).resolves.toBe(
      'free',
    );
    held.open();
    await expect(holder).resolves.toBe('holder done');
    // Released: the next taker gets it at once.
    await expect(impatient.withLock(key, () => Promise.resolve('after'))).resolves.toBe('after');
  });

  it('releases the lock when the action fails', async () => {
    const key = newSessionKey();
    const failing = createSessionLock(first);
    await expect(failing.withLock(key, () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    const other = createSessionLock(second, { waitTimeoutMs: 2000 });
    await expect(other.withLock(key, () => Promise.resolve('taken'))).resolves.toBe('taken');
  });

  it('keeps a 40-turn conversation within a 1500-token window and recalls turn 1', async () => {
    const key = newSessionKey();
    await sessions.createSession(key);
    const filler =
      'I am writing this down now so that we can come back to it much later in this long chat. ' +
      'Please keep it safe, as I will certainly need it again in a few days, thank you.';
    const { replies, compactions } = await runTurnsWithCompaction({
      sessions,
      key,
      lock,
      model: new BuiltinRecallModel({ contextWindow: 1500 }),
      instruction: testInstruction,
      messages: lockerConversation(38, filler),
    });
    expect(replies.at(-1)).toBe('Your name is Ada Lovelace.');
    expect(compactions).toBeGreaterThanOrEqual(3);
    const page = await sessions.listEvents(key, { limit: 1000 });
    expect(page.events.filter((event) => event.author === 'user')).toHaveLength(40);
    expect(page.events.filter((event) => event.actions.compaction !== undefined)).toHaveLength(
      compactions,
    );
  });
});
