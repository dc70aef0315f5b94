import { randomUUID } from 'node:crypto';
import { isMeshError, type MeshErrorCode } from '@agent-mesh/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  NewSessionEvent,
  SessionEvent,
  SessionKey,
  SessionService,
} from './session-service.js';

/** What the contract suite needs from one implementation on one store. */
export interface SessionServiceHarness {
  /** The service most tests use. */
  service: SessionService;
  /**
   * Opens another service over the same store (for SQL: its own connection pool, so races are real);
   * the harness closes it on teardown. The memory harness returns the same instance.
   */
  openService(): Promise<SessionService>;
  /** Rows the database returned to `service` so far (SQL only): proves a turn load skips compacted events. */
  rowsRead?: () => number;
  /** Closes every service and drops the store. */
  close(): Promise<void>;
}

/**
 * Registers the session-service contract tests for one implementation: every implementation and every
 * database must pass the same suite, so the memory service keeps behaving like the SQL one.
 */
export function describeSessionServiceContract(
  name: string,
  setup: () => Promise<SessionServiceHarness>,
): void {
  describe(`SessionService contract: ${name}`, () => {
    let harness: SessionServiceHarness;
    let service: SessionService;

    beforeAll(async () => {
      harness = await setup();
      service = harness.service;
    });
    afterAll(async () => {
      await harness?.close();
    });

    /** A fresh key per test, so tests share one store without seeing each other. */
    function newKey(overrides: Partial<SessionKey> = {}): SessionKey {
      const suffix = randomUUID().slice(0, 8);
      return {
        appName: `agent-${suffix}`,
        userId: `user-${suffix}`,
        sessionId: `web-session-${suffix}`,
        ...overrides,
      };
    }

    function userMessage(text: string, extra: Partial<NewSessionEvent> = {}): NewSessionEvent {
      return {
        invocationId: 'inv-1',
        author: 'user',
        content: { role: 'user', parts: [{ type: 'text', text }] },
        ...extra,
      };
    }

    function reply(text: string, extra: Partial<NewSessionEvent> = {}): NewSessionEvent {
      return {
        invocationId: 'inv-1',
        author: 'assistant-agent',
        content: { role: 'assistant', parts: [{ type: 'text', text }] },
        ...extra,
      };
    }

    async function expectMeshError(promise: Promise<unknown>, code: MeshErrorCode): Promise<void> {
      const error = await promise.then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(isMeshError(error, code), `expected MeshError ${code}, got ${String(error)}`).toBe(
        true,
      );
    }

    async function allEvents(key: SessionKey): Promise<SessionEvent[]> {
      const events: SessionEvent[] = [];
      let afterSeq: number | null = 0;
      while (afterSeq !== null) {
        const page = await service.listEvents(key, { afterSeq, limit: 100 });
        events.push(...page.events);
        afterSeq = page.nextAfterSeq;
      }
      return events;
    }

    /** Waits until the clock has moved past `time`, so updatedAt values differ (no fixed sleep). */
    async function clockPast(time: Date): Promise<void> {
      const deadline = Date.now() + 1000;
      while (Date.now() <= time.getTime() + 1 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }

    it('creates a session and loads it back', async () => {
      const key = newKey();
      const created = await service.createSession(key, { topic: 'weather' });
      expect(created).toMatchObject({
        ...key,
        state: { topic: 'weather' },
        lastSeq: 0,
        compactionSeq: null,
      });
      expect(created.createdAt).toBeInstanceOf(Date);
      const loaded = await service.getSession(key);
      expect(loaded).toEqual(created);
    });

    it('returns null for a session that does not exist', async () => {
      expect(await service.getSession(newKey())).toBeNull();
      expect(await service.loadForTurn(newKey())).toBeNull();
    });

    it('refuses to create a session twice', async () => {
      const key = newKey();
      await service.createSession(key);
      await expectMeshError(service.createSession(key, { x: 1 }), 'CONFLICT');
      expect((await service.getSession(key))?.state).toEqual({});
    });

    it('getOrCreateSession creates once and then returns the existing session', async () => {
      const key = newKey();
      const first = await service.getOrCreateSession(key, { a: 1 });
      expect(first.state).toEqual({ a: 1 });
      await service.appendEvent(key, userMessage('hi'));
      const second = await service.getOrCreateSession(key, { a: 2 });
      expect(second.state).toEqual({ a: 1 });
      expect(second.lastSeq).toBe(1);
      expect(second.createdAt).toEqual(first.createdAt);
    });

    it('getOrCreateSession is safe when several callers race on a new key', async () => {
      const key = newKey();
      const others = await Promise.all([harness.openService(), harness.openService()]);
      const services = [service, ...others, service, ...others];
      const sessions = await Promise.all(services.map((each) => each.getOrCreateSession(key)));
      for (const session of sessions) expect(session.createdAt).toEqual(sessions[0]?.createdAt);
    });

    it('numbers events 1, 2, 3 … without gaps and bumps updatedAt', async () => {
      const key = newKey();
      const created = await service.createSession(key);
      await clockPast(created.updatedAt);
      const seqs: number[] = [];
      for (let index = 0; index < 5; index += 1) {
        const event = await service.appendEvent(
          key,
          index % 2 === 0 ? userMessage(`m${index}`) : reply(`r${index}`),
        );
        seqs.push(event.seq);
        expect(event.deduplicated).toBe(false);
      }
      expect(seqs).toEqual([1, 2, 3, 4, 5]);
      const session = await service.getSession(key);
      expect(session?.lastSeq).toBe(5);
      expect(session!.updatedAt.getTime()).toBeGreaterThan(created.updatedAt.getTime());
      expect((await allEvents(key)).map((event) => event.seq)).toEqual([1, 2, 3, 4, 5]);
    });

    it('stores every field of an event and gives generated ones sensible values', async () => {
      const key = newKey();
      await service.createSession(key);
      const timestamp = new Date('2025-03-04T05:06:07.089Z');
      const full: NewSessionEvent = {
        id: randomUUID(),
        invocationId: 'inv-42',
        author: 'researcher',
        messageId: 'msg-42',
        content: {
          role: 'assistant',
          parts: [
            { type: 'text', text: 'Looking it up' },
            { type: 'tool-call', toolCallId: 'call-1', toolName: 'search', input: { q: 'tides' } },
          ],
        },
        actions: { stateDelta: { lastTool: 'search' } },
        usage: { inputTokens: 120, outputTokens: 30, totalTokens: 150 },
        timestamp,
      };
      const appended = await service.appendEvent(key, full);
      const expected = {
        seq: 1,
        id: full.id,
        invocationId: 'inv-42',
        author: 'researcher',
        messageId: 'msg-42',
        content: full.content,
        actions: full.actions,
        usage: full.usage,
        timestamp,
      };
      expect(appended).toEqual({ ...expected, deduplicated: false });
      expect(await allEvents(key)).toEqual([expected]);

      const before = Date.now();
      const minimal = await service.appendEvent(key, { invocationId: 'inv-43', author: 'system' });
      expect(minimal.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(minimal.timestamp.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(minimal).toMatchObject({ messageId: null, content: null, actions: {}, usage: null });
      expect((await allEvents(key))[1]).toEqual({ ...minimal, deduplicated: undefined });
    });

    it('keeps app:, user: and session state in their scopes and never stores temp:', async () => {
      const appName = `agent-${randomUUID().slice(0, 8)}`;
      const alice1 = newKey({ appName, userId: 'alice', sessionId: 's1' });
      const alice2 = newKey({ appName, userId: 'alice', sessionId: 's2' });
      const bob = newKey({ appName, userId: 'bob', sessionId: 's1' });
      const otherAgentAlice = newKey({ userId: 'alice', sessionId: 's3' });

      const created = await service.createSession(alice1, {
        topic: 'tides',
        'app:model': 'recall',
        'user:name': 'Alice',
        'temp:scratch': 'only now',
      });
      expect(created.state).toEqual({
        topic: 'tides',
        'app:model': 'recall',
        'user:name': 'Alice',
        'temp:scratch': 'only now',
      });
      expect((await service.getSession(alice1))?.state).toEqual({
        topic: 'tides',
        'app:model': 'recall',
        'user:name': 'Alice',
      });

      expect((await service.createSession(alice2)).state).toEqual({
        'app:model': 'recall',
        'user:name': 'Alice',
      });
      expect((await service.createSession(bob)).state).toEqual({ 'app:model': 'recall' });
      expect((await service.createSession(otherAgentAlice)).state).toEqual({});

      const appended = await service.appendEvent(
        bob,
        reply('noted', {
          actions: {
            stateDelta: { step: 2, 'app:calls': 1, 'user:name': 'Bob', 'temp:draft': 'x' },
          },
        }),
      );
      expect(appended.actions.stateDelta).toEqual({
        step: 2,
        'app:calls': 1,
        'user:name': 'Bob',
        'temp:draft': 'x',
      });
      expect((await allEvents(bob))[0]?.actions.stateDelta).toEqual({
        step: 2,
        'app:calls': 1,
        'user:name': 'Bob',
      });
      expect((await service.getSession(bob))?.state).toEqual({
        step: 2,
        'app:model': 'recall',
        'app:calls': 1,
        'user:name': 'Bob',
      });
      expect((await service.getSession(alice2))?.state).toEqual({
        'app:model': 'recall',
        'app:calls': 1,
        'user:name': 'Alice',
      });
      expect((await service.loadForTurn(alice1))?.session.state).toEqual({
        topic: 'tides',
        'app:model': 'recall',
        'app:calls': 1,
        'user:name': 'Alice',
      });
      expect((await service.getSession(otherAgentAlice))?.state).toEqual({});
    });

    it('stores an event whose stateDelta has only temp: keys without any delta', async () => {
      const key = newKey();
      await service.createSession(key);
      const appended = await service.appendEvent(
        key,
        reply('x', { actions: { stateDelta: { 'temp:a': 1 } } }),
      );
      expect(appended.actions).toEqual({ stateDelta: { 'temp:a': 1 } });
      expect((await allEvents(key))[0]?.actions).toEqual({});
      expect((await service.getSession(key))?.state).toEqual({});
    });

    it('overwrites a key with a later delta and keeps null values', async () => {
      const key = newKey();
      await service.createSession(key, { a: 1, b: { nested: [1, 2] } });
      await service.appendEvent(key, reply('1', { actions: { stateDelta: { a: 2, c: null } } }));
      await service.appendEvent(
        key,
        reply('2', { actions: { stateDelta: { b: { nested: [3] } } } }),
      );
      expect((await service.getSession(key))?.state).toEqual({ a: 2, b: { nested: [3] }, c: null });
    });

    it('isolates two agents that share a database, a user id and a session id', async () => {
      const shared = { userId: 'same-user', sessionId: `web-session-${randomUUID()}` };
      const first = newKey(shared);
      const second = newKey(shared);
      await service.createSession(first, { owner: 'first', 'app:x': 'first', 'user:y': 'first' });
      await service.createSession(second, { owner: 'second' });
      await service.appendEvent(first, userMessage('to first', { messageId: 'm-1' }));
      await service.appendEvent(first, reply('from first'));
      const secondEvent = await service.appendEvent(
        second,
        userMessage('to second', { messageId: 'm-1' }),
      );
      expect(secondEvent).toMatchObject({ seq: 1, deduplicated: false });

      expect((await service.getSession(first))?.state).toEqual({
        owner: 'first',
        'app:x': 'first',
        'user:y': 'first',
      });
      expect((await service.getSession(second))?.state).toEqual({ owner: 'second' });
      expect((await allEvents(first)).map((event) => event.content?.parts[0])).toEqual([
        { type: 'text', text: 'to first' },
        { type: 'text', text: 'from first' },
      ]);
      expect(
        (await service.loadForTurn(second))?.events.map((event) => event.content?.parts[0]),
      ).toEqual([{ type: 'text', text: 'to second' }]);
      expect(
        (await service.listSessions(first.appName, shared.userId, { limit: 10 })).sessions,
      ).toHaveLength(1);

      expect(await service.deleteSession(second)).toBe(true);
      expect(await service.getSession(first)).not.toBeNull();
      expect(await allEvents(first)).toHaveLength(2);
    });

    it('treats ids that differ only in letter case as different', async () => {
      const lower = newKey({ sessionId: 'session-abc', userId: 'user-abc' });
      const upper = { ...lower, sessionId: 'SESSION-ABC', userId: 'USER-ABC' };
      await service.createSession(lower, { which: 'lower', 'user:which': 'lower' });
      await service.createSession(upper, { which: 'upper', 'user:which': 'upper' });
      expect((await service.getSession(lower))?.state).toEqual({
        which: 'lower',
        'user:which': 'lower',
      });
      expect((await service.getSession(upper))?.state).toEqual({
        which: 'upper',
        'user:which': 'upper',
      });
      await service.appendEvent(lower, userMessage('x', { messageId: 'Msg' }));
      expect(
        (await service.appendEvent(lower, userMessage('y', { messageId: 'msg' }))).deduplicated,
      ).toBe(false);
    });

    it('stores every one of 20 concurrent appends exactly once, gap-free, with every state delta', async () => {
      const key = newKey();
      await service.createSession(key, { base: true });
      const services = [
        service,
        ...(await Promise.all([1, 2, 3].map(() => harness.openService()))),
      ];
      const writers = Array.from({ length: 20 }, (_, index) =>
        services[index % services.length]!.appendEvent(
          key,
          reply(`writer ${index}`, {
            id: randomUUID(),
            invocationId: `inv-${index}`,
            actions: {
              stateDelta: {
                [`k${index}`]: index,
                [`app:k${index}`]: index,
                [`user:k${index}`]: index,
              },
            },
          }),
        ),
      );
      const appended = await Promise.all(writers);
      expect(appended.map((event) => event.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, index) => index + 1),
      );
      const stored = await allEvents(key);
      expect(stored.map((event) => event.seq)).toEqual(
        Array.from({ length: 20 }, (_, index) => index + 1),
      );
      expect(new Set(stored.map((event) => event.invocationId)).size).toBe(20);
      expect(stored.map((event) => event.id).sort()).toEqual(
        appended.map((event) => event.id).sort(),
      );
      for (const event of appended) {
        expect(stored[event.seq - 1]?.invocationId).toBe(event.invocationId);
      }
      const session = await service.getSession(key);
      expect(session?.lastSeq).toBe(20);
      const expectedState: Record<string, unknown> = { base: true };
      for (let index = 0; index < 20; index += 1) {
        expectedState[`k${index}`] = index;
        expectedState[`app:k${index}`] = index;
        expectedState[`user:k${index}`] = index;
      }
      expect(session?.state).toEqual(expectedState);
    });

    it('stores 30 concurrent appends without app: or user: state exactly once, gap-free', async () => {
      // Implementations may store these more cheaply than appends that touch app: or user: rows.
      const key = newKey();
      await service.createSession(key, { base: true });
      const services = [
        service,
        ...(await Promise.all([1, 2, 3].map(() => harness.openService()))),
      ];
      // Every service reads the session first, so each starts from a version the others make stale.
      await Promise.all(services.map((each) => each.getSession(key)));
      const appended = await Promise.all(
        Array.from({ length: 30 }, (_, index) =>
          services[index % services.length]!.appendEvent(
            key,
            reply(`writer ${index}`, {
              invocationId: `inv-${index}`,
              ...(index % 2 === 0 ? { actions: { stateDelta: { [`k${index}`]: index } } } : {}),
            }),
          ),
        ),
      );
      expect(appended.map((event) => event.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 30 }, (_, index) => index + 1),
      );
      const stored = await allEvents(key);
      expect(stored.map((event) => event.seq)).toEqual(
        Array.from({ length: 30 }, (_, index) => index + 1),
      );
      for (const event of appended) {
        expect(stored[event.seq - 1]?.invocationId).toBe(event.invocationId);
      }
      const session = await service.getSession(key);
      expect(session?.lastSeq).toBe(30);
      const expectedState: Record<string, unknown> = { base: true };
      for (let index = 0; index < 30; index += 2) expectedState[`k${index}`] = index;
      expect(session?.state).toEqual(expectedState);
    });

    it('keeps every app: and user: delta written concurrently from different sessions', async () => {
      const appName = `agent-${randomUUID().slice(0, 8)}`;
      const keys = Array.from({ length: 5 }, (_, index) =>
        newKey({ appName, userId: 'shared-user', sessionId: `s${index}` }),
      );
      for (const key of keys) await service.createSession(key);
      const services = [
        service,
        ...(await Promise.all([1, 2, 3].map(() => harness.openService()))),
      ];
      await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          services[index % services.length]!.appendEvent(
            keys[index % keys.length]!,
            reply(`writer ${index}`, {
              actions: { stateDelta: { [`app:w${index}`]: index, [`user:w${index}`]: index } },
            }),
          ),
        ),
      );
      const state = (await service.getSession(keys[0]!))?.state ?? {};
      for (let index = 0; index < 20; index += 1) {
        expect(state[`app:w${index}`], `app:w${index}`).toBe(index);
        expect(state[`user:w${index}`], `user:w${index}`).toBe(index);
      }
    });

    it('stores one event when the same message id is appended concurrently', async () => {
      const key = newKey();
      await service.createSession(key);
      const services = [service, ...(await Promise.all([1, 2].map(() => harness.openService())))];
      // Half carry a state delta, half do not: implementations may store the two kinds differently.
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          services[index % services.length]!.appendEvent(
            key,
            userMessage(`attempt ${index}`, {
              invocationId: `inv-${index}`,
              messageId: 'resent',
              actions: index % 2 === 0 ? { stateDelta: { [`n${index}`]: 1 } } : undefined,
            }),
          ),
        ),
      );
      expect(new Set(results.map((event) => event.id)).size).toBe(1);
      const winners = results.filter((event) => !event.deduplicated);
      expect(winners).toHaveLength(1);
      expect(await allEvents(key)).toEqual([{ ...winners[0], deduplicated: undefined }]);
      const winnerIndex = Number(winners[0]!.invocationId.slice('inv-'.length));
      expect((await service.getSession(key))!.state).toEqual(
        winnerIndex % 2 === 0 ? { [`n${winnerIndex}`]: 1 } : {},
      );
    });

    it('returns the stored event when a turn is re-sent with the same message id', async () => {
      const key = newKey();
      await service.createSession(key);
      const first = await service.appendEvent(
        key,
        userMessage('hello', { messageId: 'a2a-msg-1', actions: { stateDelta: { first: true } } }),
      );
      await service.appendEvent(key, reply('hi there'));
      const again = await service.appendEvent(
        key,
        userMessage('hello (re-sent)', {
          messageId: 'a2a-msg-1',
          actions: { stateDelta: { again: true } },
        }),
      );
      expect(again).toEqual({ ...first, deduplicated: true });
      expect((await service.getSession(key))?.lastSeq).toBe(2);
      expect((await service.getSession(key))?.state).toEqual({ first: true });
      const other = newKey({ appName: key.appName, userId: key.userId });
      await service.createSession(other);
      expect(
        await service.appendEvent(other, userMessage('hello', { messageId: 'a2a-msg-1' })),
      ).toMatchObject({
        seq: 1,
        deduplicated: false,
      });
    });

    it('loads a turn as the newest summary plus the events after the range it covers', async () => {
      const key = newKey();
      await service.createSession(key);
      for (let turn = 1; turn <= 5; turn += 1) {
        await service.appendEvent(key, userMessage(`question ${turn}`));
        await service.appendEvent(key, reply(`answer ${turn}`));
      }
      const fresh = await service.loadForTurn(key);
      expect(fresh?.summary).toBeNull();
      expect(fresh?.events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

      const firstSummary = await service.appendEvent(key, {
        invocationId: 'compaction-1',
        author: 'system',
        content: { role: 'system', parts: [{ type: 'text', text: 'Turns 1–3 were about tides.' }] },
        actions: {
          compaction: {
            summary: 'Turns 1–3 were about tides.',
            startSeq: 1,
            endSeq: 6,
            tokensBefore: 900,
          },
        },
      });
      expect(firstSummary.seq).toBe(11);
      await service.appendEvent(key, userMessage('question 6'));
      await service.appendEvent(key, reply('answer 6'));

      const afterFirst = await service.loadForTurn(key);
      expect(afterFirst?.session.compactionSeq).toBe(11);
      expect(afterFirst?.session.lastSeq).toBe(13);
      expect(afterFirst?.summary?.seq).toBe(11);
      expect(afterFirst?.summary?.actions.compaction).toEqual({
        summary: 'Turns 1–3 were about tides.',
        startSeq: 1,
        endSeq: 6,
        tokensBefore: 900,
      });
      expect(afterFirst?.events.map((event) => event.seq)).toEqual([7, 8, 9, 10, 12, 13]);

      await service.appendEvent(key, {
        invocationId: 'compaction-2',
        author: 'system',
        actions: { compaction: { summary: 'Turns 1–5.', startSeq: 1, endSeq: 10 } },
      });
      const afterSecond = await service.loadForTurn(key);
      expect(afterSecond?.summary?.seq).toBe(14);
      expect(afterSecond?.events.map((event) => event.seq)).toEqual([12, 13]);
      // Originals stay: the full history still has every event.
      expect(await allEvents(key)).toHaveLength(14);
    });

    it('refuses a compaction that covers events not yet stored, storing nothing', async () => {
      const key = newKey();
      await service.createSession(key);
      await service.appendEvent(key, userMessage('q'));
      await expectMeshError(
        service.appendEvent(key, {
          invocationId: 'c',
          author: 'system',
          actions: { compaction: { summary: 's', startSeq: 1, endSeq: 2 } },
        }),
        'REQUEST_INVALID',
      );
      expect((await service.getSession(key))?.lastSeq).toBe(1);
      expect((await service.getSession(key))?.compactionSeq).toBeNull();
    });

    it('reads only the live window for a turn, not the compacted history', async () => {
      const key = newKey();
      await service.createSession(key);
      for (let index = 0; index < 40; index += 1)
        await service.appendEvent(key, userMessage(`old ${index}`));
      await service.appendEvent(key, {
        invocationId: 'c',
        author: 'system',
        actions: { compaction: { summary: 'forty old messages', startSeq: 1, endSeq: 38 } },
      });
      await service.appendEvent(key, userMessage('new'));
      const before = harness.rowsRead?.() ?? 0;
      const turn = await service.loadForTurn(key);
      const rows = (harness.rowsRead?.() ?? 0) - before;
      expect(turn?.summary?.seq).toBe(41);
      expect(turn?.events.map((event) => event.seq)).toEqual([39, 40, 42]);
      if (harness.rowsRead !== undefined) {
        // session row, app and user state, summary and the 3 live events: far below the 40 compacted rows.
        expect(rows).toBeGreaterThanOrEqual(4);
        expect(rows).toBeLessThanOrEqual(8);
      }
    });

    it('pages through the full history with afterSeq', async () => {
      const key = newKey();
      await service.createSession(key);
      for (let index = 1; index <= 25; index += 1)
        await service.appendEvent(key, userMessage(`m${index}`));
      const first = await service.listEvents(key, { limit: 10 });
      expect(first.events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(first.nextAfterSeq).toBe(10);
      const second = await service.listEvents(key, { afterSeq: 10, limit: 10 });
      expect(second.events.map((event) => event.seq)).toEqual([
        11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
      ]);
      expect(second.nextAfterSeq).toBe(20);
      const third = await service.listEvents(key, { afterSeq: 20, limit: 10 });
      expect(third.events.map((event) => event.content?.parts[0])).toEqual(
        [21, 22, 23, 24, 25].map((index) => ({ type: 'text', text: `m${index}` })),
      );
      expect(third.nextAfterSeq).toBeNull();
      const exact = await service.listEvents(key, { afterSeq: 15, limit: 10 });
      expect(exact.events).toHaveLength(10);
      expect(exact.nextAfterSeq).toBeNull();
      expect(await service.listEvents(key, { afterSeq: 25, limit: 10 })).toEqual({
        events: [],
        nextAfterSeq: null,
      });
      await expectMeshError(service.listEvents(key, { limit: 0 }), 'REQUEST_INVALID');
      await expectMeshError(service.listEvents(key, { afterSeq: -1, limit: 5 }), 'REQUEST_INVALID');
    });

    it('lists a user’s sessions most recently updated first, page by page', async () => {
      const appName = `agent-${randomUUID().slice(0, 8)}`;
      const keys = ['s-a', 's-b', 's-c', 's-d'].map((sessionId) =>
        newKey({ appName, userId: 'u', sessionId }),
      );
      let last = new Date(0);
      for (const key of keys) {
        await clockPast(last);
        last = (await service.createSession(key)).updatedAt;
      }
      await service.createSession(newKey({ appName, userId: 'someone-else' }));
      await clockPast(last);
      await service.appendEvent(keys[1]!, userMessage('bump'));

      const first = await service.listSessions(appName, 'u', { limit: 3 });
      expect(first.sessions.map((session) => session.sessionId)).toEqual(['s-b', 's-d', 's-c']);
      expect(first.sessions[0]).toMatchObject({ appName, userId: 'u', lastSeq: 1 });
      expect(first.nextCursor).not.toBeNull();
      const second = await service.listSessions(appName, 'u', {
        limit: 3,
        cursor: first.nextCursor!,
      });
      expect(second.sessions.map((session) => session.sessionId)).toEqual(['s-a']);
      expect(second.nextCursor).toBeNull();
      const all = await service.listSessions(appName, 'u', { limit: 4 });
      expect(all.sessions).toHaveLength(4);
      expect(all.nextCursor).toBeNull();
      expect(await service.listSessions(appName, 'nobody', { limit: 3 })).toEqual({
        sessions: [],
        nextCursor: null,
      });
      await expectMeshError(
        service.listSessions(appName, 'u', { limit: 3, cursor: 'not-a-cursor' }),
        'REQUEST_INVALID',
      );
    });

    it('pages sessions updated in the same millisecond without skipping or repeating any', async () => {
      const appName = `agent-${randomUUID().slice(0, 8)}`;
      const ids = Array.from({ length: 7 }, (_, index) => `tie-${index}`);
      await Promise.all(
        ids.map((sessionId) => service.createSession(newKey({ appName, userId: 'u', sessionId }))),
      );
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page += 1) {
        const result = await service.listSessions(appName, 'u', { limit: 2, cursor });
        seen.push(...result.sessions.map((session) => session.sessionId));
        if (result.nextCursor === null) break;
        cursor = result.nextCursor;
      }
      expect([...seen].sort()).toEqual(ids);
    });

    it('deletes a session with its events but keeps app: and user: state', async () => {
      const key = newKey();
      await service.createSession(key, { a: 1, 'app:a': 1, 'user:a': 1 });
      await service.appendEvent(key, userMessage('x', { messageId: 'm' }));
      expect(await service.deleteSession(key)).toBe(true);
      expect(await service.getSession(key)).toBeNull();
      await expectMeshError(service.listEvents(key, { limit: 10 }), 'SESSION_NOT_FOUND');
      expect(await service.deleteSession(key)).toBe(false);
      const again = await service.createSession(key);
      expect(again.state).toEqual({ 'app:a': 1, 'user:a': 1 });
      expect(await service.appendEvent(key, userMessage('x', { messageId: 'm' }))).toMatchObject({
        seq: 1,
        deduplicated: false,
      });
    });

    it('fails with SESSION_NOT_FOUND when appending to or listing a missing session', async () => {
      const key = newKey();
      await expectMeshError(service.appendEvent(key, userMessage('hello')), 'SESSION_NOT_FOUND');
      await expectMeshError(service.listEvents(key, { limit: 10 }), 'SESSION_NOT_FOUND');
      expect(await service.getSession(key)).toBeNull();
    });

    it('rejects a malformed event with REQUEST_INVALID and stores nothing', async () => {
      const key = newKey();
      await service.createSession(key);
      const bad: unknown[] = [
        { invocationId: 'i', author: '' },
        { invocationId: 'i' },
        { invocationId: 'i', author: 'a', content: { role: 'robot', parts: [] } },
        { invocationId: 'i', author: 'a', content: { role: 'user', parts: ['text'] } },
        { invocationId: 'i', author: 'a', actions: { stateDelta: [1] } },
        {
          invocationId: 'i',
          author: 'a',
          actions: { compaction: { summary: 's', startSeq: 0, endSeq: 0 } },
        },
        { invocationId: 'i', author: 'a', messageId: 'x'.repeat(192) },
        { invocationId: 'i', author: 'a', usage: { big: 10n } },
      ];
      for (const event of bad) {
        await expectMeshError(
          service.appendEvent(key, event as NewSessionEvent),
          'REQUEST_INVALID',
        );
      }
      await expectMeshError(service.createSession(newKey({ sessionId: '' })), 'REQUEST_INVALID');
      await expectMeshError(
        service.createSession(newKey(), [] as unknown as Record<string, unknown>),
        'REQUEST_INVALID',
      );
      expect((await service.getSession(key))?.lastSeq).toBe(0);
    });

    it('keeps stored data safe from callers mutating what they passed in or got back', async () => {
      const key = newKey();
      const initial = { list: [1, 2] };
      const session = await service.createSession(key, initial);
      initial.list.push(3);
      (session.state.list as number[]).push(4);
      const event: NewSessionEvent = userMessage('original', {
        actions: { stateDelta: { x: { y: 1 } } },
      });
      const appended = await service.appendEvent(key, event);
      (event.content!.parts[0] as { text: string }).text = 'changed by caller';
      (appended.actions.stateDelta!.x as { y: number }).y = 2;
      const loaded = await service.loadForTurn(key);
      (loaded!.events[0]!.content!.parts[0] as { text: string }).text = 'changed again';
      expect((await service.getSession(key))?.state).toEqual({ list: [1, 2], x: { y: 1 } });
      expect((await allEvents(key))[0]?.content?.parts[0]).toEqual({
        type: 'text',
        text: 'original',
      });
    });

    it('round-trips unicode keys and text and a 1 MB message', async () => {
      const key = newKey({
        userId: 'üser-名前-😀',
        sessionId: `sessión-عربى-${randomUUID().slice(0, 4)}`,
      });
      const tricky =
        'Grüße, 你好, مرحبا, emoji 👩‍👩‍👧‍👦, nul \u0000, lone \ud800, quote " and \\ backslash';
      await service.createSession(key, {
        [`ключ-${tricky.slice(0, 5)}`]: tricky,
        'user:名前': '値',
      });
      const chunk = 'Lorem ipsum — ünïcödé 😀 ';
      const big = chunk.repeat(Math.ceil((1024 * 1024) / chunk.length)).slice(0, 1024 * 1024);
      await service.appendEvent(key, userMessage(tricky, { messageId: 'ü-😀' }));
      await service.appendEvent(key, reply(big));
      const events = await allEvents(key);
      expect(events[0]?.content?.parts[0]).toEqual({ type: 'text', text: tricky });
      expect((events[1]?.content?.parts[0] as { text: string }).text).toBe(big);
      expect((await service.getSession(key))?.state).toEqual({
        'ключ-Grüße': tricky,
        'user:名前': '値',
      });
      expect(
        (await service.appendEvent(key, userMessage('again', { messageId: 'ü-😀' }))).deduplicated,
      ).toBe(true);
      expect(
        (await service.listSessions(key.appName, key.userId, { limit: 5 })).sessions[0]?.sessionId,
      ).toBe(key.sessionId);
    });
  });
}
