import { isMeshError } from '@agent-mesh/shared';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuiltinRecallModel } from '../models/builtin/builtin-recall-model.js';
import { builtinSummaryInstruction } from '../models/builtin/answer-from-transcript.js';
import { MemorySessionService } from '../sessions/memory-session-service.js';
import { startFakeOpenAiServer, type FakeOpenAiServer } from '../testing/fake-openai-server.js';
import { generalSummaryInstruction, transcriptHeading } from './build-summary-prompt.js';
import type { StoredCompaction } from './compact-session.js';
import { InProcessSessionLock } from './in-process-session-lock.js';
import { compactWith, newSessionKey } from './testing/compaction-runner.js';
import { adaExchange, lockerExchanges, seedConversation } from './testing/seed-conversation.js';

const model = new BuiltinRecallModel();

describe('compactSession (memory service, built-in model)', () => {
  const sessions = new MemorySessionService();
  const lock = new InProcessSessionLock();
  const compact = compactWith(sessions, lock, model);

  it('appends one compaction event covering the oldest turns and keeps the originals', async () => {
    const key = newSessionKey();
    await seedConversation(sessions, key, [adaExchange, ...lockerExchanges(11)]);

    const result = await compact(key, 0.25, 'manual');

    expect(result).toMatchObject({
      status: 'compacted',
      turnsCompacted: 3,
      turnsKept: 9,
      startSeq: 1,
      endSeq: 6,
    });
    if (result.status !== 'compacted') return;
    expect(result.eventSeq).toBe(25);
    expect(result.summary).toContain('Ada Lovelace');
    expect(result.summary).toContain('4702');
    expect(result.tokensAfter).toBeLessThan(result.tokensBefore);

    const context = await sessions.loadForTurn(key);
    expect(context?.session.compactionSeq).toBe(25);
    expect(context?.summary?.author).toBe('system');
    const stored = context?.summary?.actions.compaction as StoredCompaction;
    expect(stored).toMatchObject({
      summary: result.summary,
      startSeq: 1,
      endSeq: 6,
      turnsCompacted: 3,
      turnsKept: 9,
      reason: 'manual',
      model: 'builtin/recall',
      tokensBefore: result.tokensBefore,
      tokensAfter: result.tokensAfter,
    });
    expect(context?.events.map((event) => event.seq)).toEqual(
      Array.from({ length: 18 }, (_, i) => i + 7),
    );

    const history = await sessions.listEvents(key, { limit: 100 });
    expect(history.events).toHaveLength(25);
    expect(history.events[0]?.content?.parts[0]).toEqual({
      type: 'text',
      text: 'My name is Ada Lovelace.',
    });
  });

  it('rolls the previous summary into the next one', async () => {
    const key = newSessionKey();
    await seedConversation(sessions, key, [adaExchange, ...lockerExchanges(7)]);
    const first = await compact(key, 0.5, 'manual');
    expect(first).toMatchObject({ status: 'compacted', turnsCompacted: 4, startSeq: 1, endSeq: 8 });
    const second = await compact(key, 0.5, 'overflow');
    // 4 live turns (seqs 9..16); the summary event sits at 17; the new range starts at the old start.
    expect(second).toMatchObject({
      status: 'compacted',
      turnsCompacted: 2,
      startSeq: 1,
      endSeq: 12,
      eventSeq: 18,
    });
    if (second.status !== 'compacted') return;
    expect(second.summary).toContain('Ada Lovelace');
    expect(second.summary).toContain('4703'); // from the first compaction
    expect(second.summary).toContain('4705'); // from the second
    const context = await sessions.loadForTurn(key);
    expect(context?.summary?.seq).toBe(18);
    expect(context?.events.map((event) => event.seq)).toEqual([13, 14, 15, 16]);
  });

  it('compacts nothing when only the newest turn is left, and says so', async () => {
    const key = newSessionKey();
    await seedConversation(sessions, key, lockerExchanges(1));
    const result = await compact(key, 1, 'overflow');
    expect(result).toMatchObject({
      status: 'nothing-to-compact',
      reason: 'single-turn',
      turnsTotal: 1,
    });
    if (result.status === 'nothing-to-compact') expect(result.tokensBefore).toBeGreaterThan(0);
    expect((await sessions.getSession(key))?.lastSeq).toBe(2);
  });

  it('does not compact again when the session was compacted since the caller looked', async () => {
    const key = newSessionKey();
    await seedConversation(sessions, key, lockerExchanges(6));
    const seen = (await sessions.getSession(key))?.compactionSeq ?? null;
    await compact(key, 0.25, 'overflow');
    const late = await compact(key, 0.25, 'overflow', { expectedCompactionSeq: seen });
    expect(late).toMatchObject({ status: 'already-compacted', compactionSeq: 13 });
    expect((await sessions.getSession(key))?.lastSeq).toBe(13);
  });

  it('produces exactly one compaction when callers race in one process', async () => {
    const key = newSessionKey();
    await seedConversation(sessions, key, lockerExchanges(8));
    const results = await Promise.all(
      Array.from({ length: 5 }, () => compact(key, 0.25, 'overflow')),
    );
    expect(results.filter((result) => result.status === 'compacted')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'already-compacted')).toHaveLength(4);
    const history = await sessions.listEvents(key, { limit: 100 });
    expect(history.events.filter((event) => event.actions.compaction !== undefined)).toHaveLength(
      1,
    );
  });

  it('summarises fewer turns when the summarising model has a small window', async () => {
    const key = newSessionKey();
    await seedConversation(sessions, key, lockerExchanges(12));
    // With the instruction, 6 turns need about 207 tokens, 3 about 142, 2 about 120: only 2 fit in 130.
    const small = new BuiltinRecallModel({ contextWindow: 130 });
    const result = await compact(key, 0.5, 'overflow', { model: small });
    expect(result).toMatchObject({
      status: 'compacted',
      turnsCompacted: 2,
      turnsKept: 10,
      endSeq: 4,
    });
  });

  it('clips a single turn too long for the summarising model, keeping its start and end', async () => {
    const key = newSessionKey();
    const filler = 'This sentence is only here to make the message long. '.repeat(60);
    await seedConversation(sessions, key, [
      { user: `My name is Ada Lovelace. ${filler}My city is Turin.`, reply: 'Got it.' },
      ...lockerExchanges(1),
    ]);
    const small = new BuiltinRecallModel({ contextWindow: 300 });
    const result = await compact(key, 0.5, 'overflow', { model: small });
    expect(result).toMatchObject({ status: 'compacted', turnsCompacted: 1 });
    if (result.status !== 'compacted') return;
    expect(result.summary).toContain('Ada Lovelace');
  });

  it('gives up with CONTEXT_OVERFLOW when the summarising model cannot take even a clipped turn', async () => {
    const key = newSessionKey();
    await seedConversation(sessions, key, lockerExchanges(2));
    const tiny = new BuiltinRecallModel({ contextWindow: 20 });
    await expect(compact(key, 0.5, 'overflow', { model: tiny })).rejects.toMatchObject({
      code: 'CONTEXT_OVERFLOW',
      details: { limit: 20 },
    });
    expect((await sessions.getSession(key))?.compactionSeq).toBeNull();
  });

  it('fails with SESSION_NOT_FOUND for a session that does not exist', async () => {
    let caught: unknown;
    try {
      await compact(newSessionKey(), 0.25, 'manual');
    } catch (error) {
      caught = error;
    }
    expect(isMeshError(caught, 'SESSION_NOT_FOUND')).toBe(true);
  });

  it('rejects a percentage outside 0..1 before touching the session', async () => {
    const key = newSessionKey();
    await seedConversation(sessions, key, lockerExchanges(3));
    await expect(compact(key, 2, 'manual')).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    expect((await sessions.getSession(key))?.lastSeq).toBe(6);
  });
});

describe('compactSession with an OpenAI-compatible model', () => {
  let server: FakeOpenAiServer;
  const sessions = new MemorySessionService();
  const lock = new InProcessSessionLock();
  const compact = compactWith(sessions, lock, model);

  beforeAll(async () => {
    server = await startFakeOpenAiServer();
  });
  afterAll(async () => {
    await server.close();
  });

  function remoteModel() {
    return createOpenAICompatible({ name: 'fake', baseURL: server.url }).chatModel('fake-recall');
  }

  it('sends the general instruction and a labelled transcript, and records the model', async () => {
    const key = newSessionKey();
    await seedConversation(sessions, key, [
      { user: 'My favourite colour is green.\nAlso, call me Grace.', reply: 'Noted.' },
      ...lockerExchanges(3),
    ]);
    const before = server.requests.length;
    const result = await compact(key, 0.25, 'manual', {
      model: remoteModel(),
      instruction: 'You are a helpful assistant.',
    });
    expect(result).toMatchObject({
      status: 'compacted',
      turnsCompacted: 1,
      model: 'fake.chat/fake-recall',
    });
    const request = server.requests.at(before)?.body as {
      messages: { role: string; content: string }[];
    };
    expect(request.messages[0]).toEqual({ role: 'system', content: generalSummaryInstruction });
    expect(request.messages[0]?.content).not.toBe(builtinSummaryInstruction);
    expect(request.messages[1]?.content).toBe(
      `${transcriptHeading}\nUser: My favourite colour is green.\nUser: Also, call me Grace.\nAssistant: Noted.`,
    );
    const stored = (await sessions.loadForTurn(key))?.summary;
    expect(stored?.usage).toMatchObject({ model: 'fake.chat/fake-recall' });
    expect(stored?.usage?.inputTokens).toBeGreaterThan(0);
  });

  it('reports a failing summariser as LLM_CALL_FAILED and stores nothing', async () => {
    const key = newSessionKey();
    await seedConversation(sessions, key, lockerExchanges(4));
    server.setFailWith({ type: 'status', status: 401 });
    try {
      await expect(
        compact(key, 0.5, 'manual', { model: remoteModel(), maxRetries: 0 }),
      ).rejects.toMatchObject({ code: 'LLM_CALL_FAILED' });
    } finally {
      server.setFailWith(undefined);
    }
    expect((await sessions.getSession(key))?.compactionSeq).toBeNull();
    expect((await sessions.getSession(key))?.lastSeq).toBe(8);
  });
});
