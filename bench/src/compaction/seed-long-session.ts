import { randomUUID } from 'node:crypto';
import type { SessionKey } from '@agent-mesh/agent-runtime';
import type { AgentDatabase } from '@agent-mesh/shared';

/** Events per multi-row INSERT: well under every engine's parameter limit. */
const insertBatchSize = 1000;

const filler =
  'I note this down so that we can come back to it later, as people do in long conversations.';

/** How a long session is seeded. */
export interface SeedLongSessionOptions {
  /** Events to store (user message and reply alternate, so events / 2 turns). */
  events: number;
  /**
   * When set, a compaction event is stored after this many events, covering all of them, so a turn's
   * live window is only what follows it (the steady state of a long, compacted conversation).
   */
  compactedEvents?: number;
}

/** What seedLongSession stored. */
export interface SeededLongSession {
  key: SessionKey;
  /** Every event stored, the compaction event included. */
  events: number;
  /** Events after the newest compaction: what a turn, and a compaction, reads. */
  liveEvents: number;
}

/**
 * Stores a long conversation in one session with multi-row INSERTs (Prisma createMany), bypassing the
 * session service so a 10,000-event session takes seconds, and leaves the session row as appends would
 * (last_seq, compaction_seq). Events are what the runner writes: a user message stating one fact, then
 * the agent's reply; with `compactedEvents`, a compaction event like compactSession's follows them.
 */
export async function seedLongSession(
  database: AgentDatabase,
  key: SessionKey,
  options: SeedLongSessionOptions,
): Promise<SeededLongSession> {
  const compactedEvents = options.compactedEvents;
  const compactionSeq = compactedEvents === undefined ? null : compactedEvents + 1;
  const total = options.events + (compactionSeq === null ? 0 : 1);
  const session = await database.client.agentSession.create({
    data: {
      appName: key.appName,
      userId: key.userId,
      id: key.sessionId,
      state: '{}',
      lastSeq: total,
      compactionSeq,
    },
  });
  const start = Date.now() - total * 1000;
  let message = 0;
  for (let first = 1; first <= total; first += insertBatchSize) {
    const rows = [];
    for (let seq = first; seq < first + insertBatchSize && seq <= total; seq += 1) {
      const timestamp = new Date(start + seq * 1000);
      if (seq === compactionSeq) {
        rows.push(compactionRow(session.pk, seq, compactedEvents ?? 0, timestamp));
        continue;
      }
      const turn = Math.floor(message / 2) + 1;
      const isUser = message % 2 === 0;
      message += 1;
      const text = isUser
        ? `The code for locker ${turn} is ${100_000 + turn}. ${filler}`
        : `Got it: the code for locker ${turn} is ${100_000 + turn}.`;
      rows.push({
        sessionPk: session.pk,
        seq,
        id: randomUUID(),
        invocationId: `seed-${turn}`,
        author: isUser ? 'user' : key.appName,
        messageId: isUser ? randomUUID() : null,
        content: JSON.stringify({
          role: isUser ? 'user' : 'assistant',
          parts: [{ type: 'text', text }],
        }),
        actions: null,
        usage: isUser ? null : JSON.stringify({ inputTokens: 1000, outputTokens: 15 }),
        timestamp,
      });
    }
    await database.client.agentEvent.createMany({ data: rows });
  }
  return { key, events: total, liveEvents: total - (compactionSeq ?? 0) };
}

function compactionRow(sessionPk: number, seq: number, endSeq: number, timestamp: Date) {
  const turns = Math.floor(endSeq / 2);
  const summary = `Summary of earlier conversation:\n- the code for locker 1: 100001\n- turns seeded: ${turns}`;
  return {
    sessionPk,
    seq,
    id: randomUUID(),
    invocationId: `compaction-seed`,
    author: 'system',
    messageId: null,
    content: null,
    actions: JSON.stringify({
      compaction: {
        summary,
        startSeq: 1,
        endSeq,
        turnsCompacted: turns,
        turnsKept: 0,
        tokensBefore: 0,
        tokensAfter: 0,
        reason: 'overflow',
        model: 'builtin/recall',
        compactionCount: 1,
      },
    }),
    usage: null,
    timestamp,
  };
}
