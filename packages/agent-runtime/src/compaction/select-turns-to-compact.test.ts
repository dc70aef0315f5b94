import { isMeshError } from '@agent-mesh/shared';
import { describe, expect, it } from 'vitest';
import type { EventContent, SessionEvent } from '../sessions/session-service.js';
import { selectTurnsToCompact, splitIntoTurns, turnsToCompact } from './select-turns-to-compact.js';

let nextSeq = 1;

function event(
  author: string,
  content: EventContent | null,
  extra: Partial<SessionEvent> = {},
): SessionEvent {
  const seq = nextSeq++;
  return {
    seq,
    id: `event-${seq}`,
    invocationId: 'inv',
    author,
    messageId: null,
    content,
    actions: {},
    usage: null,
    timestamp: new Date(0),
    ...extra,
  };
}

function user(text: string): SessionEvent {
  return event('user', { role: 'user', parts: [{ type: 'text', text }] });
}

function reply(text: string): SessionEvent {
  return event('assistant', { role: 'assistant', parts: [{ type: 'text', text }] });
}

/** `count` exchanges of a user message and a reply, seqs starting at `from`. */
function conversation(count: number, from = 1): SessionEvent[] {
  nextSeq = from;
  const events: SessionEvent[] = [];
  for (let turn = 1; turn <= count; turn += 1)
    events.push(user(`question ${turn}`), reply(`answer ${turn}`));
  return events;
}

describe('selectTurnsToCompact', () => {
  const table: { turns: number; percentage: number; compacted: number }[] = [
    { turns: 12, percentage: 0.25, compacted: 3 },
    { turns: 12, percentage: 0.5, compacted: 6 },
    { turns: 12, percentage: 1.0, compacted: 11 },
    { turns: 12, percentage: 0.0, compacted: 1 },
    { turns: 12, percentage: 0.3, compacted: 4 }, // 3.6 rounds up
    { turns: 12, percentage: 0.2, compacted: 2 }, // 2.4 rounds down
    { turns: 5, percentage: 0.5, compacted: 3 }, // 2.5: half rounds up
    { turns: 5, percentage: 0.3, compacted: 2 }, // 1.5: half rounds up
    { turns: 5, percentage: 0.25, compacted: 1 }, // 1.25
    { turns: 7, percentage: 0.25, compacted: 2 }, // 1.75
    { turns: 3, percentage: 0.9, compacted: 2 }, // 2.7 → 3, but one turn is kept
    { turns: 2, percentage: 0.25, compacted: 1 }, // 0.5 → 1
    { turns: 2, percentage: 1.0, compacted: 1 },
    { turns: 25, percentage: 0.58, compacted: 15 }, // 14.4999… in binary: still half up
    { turns: 10, percentage: 0.45, compacted: 5 },
  ];

  for (const row of table) {
    it(`compacts ${row.compacted} of ${row.turns} turns at ${row.percentage}`, () => {
      const events = conversation(row.turns);
      const selection = selectTurnsToCompact(events, row.percentage);
      expect(selection.kind).toBe('selected');
      if (selection.kind !== 'selected') return;
      expect(selection.compacted).toHaveLength(row.compacted);
      expect(selection.kept).toHaveLength(row.turns - row.compacted);
      expect(selection.turnsTotal).toBe(row.turns);
      // Each exchange is two events, seqs from 1: the range ends on the reply of the last compacted turn.
      expect(selection.startSeq).toBe(1);
      expect(selection.endSeq).toBe(row.compacted * 2);
      expect(selection.kept[0]?.startSeq).toBe(row.compacted * 2 + 1);
    });
  }

  it('says there is nothing to compact with a single turn', () => {
    const selection = selectTurnsToCompact(conversation(1), 1.0);
    expect(selection).toMatchObject({ kind: 'nothing', reason: 'single-turn', turnsTotal: 1 });
    if (selection.kind === 'nothing') expect(selection.message).toMatch(/only the newest turn/);
  });

  it('says there is nothing to compact without any turn', () => {
    expect(selectTurnsToCompact([], 0.25)).toMatchObject({ kind: 'nothing', reason: 'no-turns' });
    nextSeq = 1;
    const stateOnly = [event('assistant', null, { actions: { stateDelta: { mood: 'ok' } } })];
    expect(selectTurnsToCompact(stateOnly, 0.25)).toMatchObject({
      kind: 'nothing',
      reason: 'no-turns',
    });
  });

  it('keeps tool calls, tool results and delegated replies inside their turn', () => {
    nextSeq = 1;
    const events = [
      user('look up the weather'), // 1
      event('assistant', {
        role: 'assistant',
        parts: [
          { type: 'tool-call', toolCallId: 't1', toolName: 'weather', input: { city: 'Oslo' } },
        ],
      }), // 2
      event('assistant', {
        role: 'tool',
        parts: [{ type: 'tool-result', toolCallId: 't1', toolName: 'weather', output: 'rain' }],
      }), // 3
      reply('It rains in Oslo.'), // 4
      user('ask the researcher'), // 5
      event('researcher', { role: 'assistant', parts: [{ type: 'text', text: 'found it' }] }), // 6
      event('assistant', null, { actions: { stateDelta: { topic: 'x' } } }), // 7
      user('thanks'), // 8
      reply('welcome'), // 9
    ];
    const turns = splitIntoTurns(events);
    expect(turns.map((turn) => [turn.startSeq, turn.endSeq])).toEqual([
      [1, 4],
      [5, 7],
      [8, 9],
    ]);
    const selection = selectTurnsToCompact(events, 0.5);
    expect(selection).toMatchObject({ kind: 'selected', startSeq: 1, endSeq: 7 });
  });

  it('puts events before the first user message into the first turn', () => {
    nextSeq = 1;
    const events = [reply('Welcome! How can I help?'), user('hi'), reply('hello'), user('bye')];
    const turns = splitIntoTurns(events);
    expect(turns.map((turn) => [turn.startSeq, turn.endSeq])).toEqual([
      [1, 3],
      [4, 4],
    ]);
  });

  it('rolls a previous summary in: the new range starts where the previous one started', () => {
    const live = conversation(4, 21); // seqs 21..28, after a summary covering 1..19 (stored at 20)
    const selection = selectTurnsToCompact(live, 0.5, { startSeq: 1 });
    expect(selection).toMatchObject({ kind: 'selected', startSeq: 1, endSeq: 24 });
  });

  it('skips compaction events in the live window', () => {
    const events = conversation(3);
    const compaction = event('system', null, {
      actions: { compaction: { summary: 's', startSeq: 1, endSeq: 2 } },
    });
    const selection = selectTurnsToCompact([...events, compaction], 0.25);
    expect(selection).toMatchObject({ kind: 'selected', turnsTotal: 3 });
  });

  it('rejects a percentage outside 0..1 with a message naming the setting', () => {
    for (const bad of [-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      let caught: unknown;
      try {
        selectTurnsToCompact(conversation(3), bad);
      } catch (error) {
        caught = error;
      }
      expect(isMeshError(caught, 'REQUEST_INVALID')).toBe(true);
      expect((caught as Error).message).toMatch(/compaction_percentage/);
    }
  });
});

describe('turnsToCompact', () => {
  it('never compacts every turn and never compacts none', () => {
    for (let total = 2; total <= 30; total += 1) {
      for (let step = 0; step <= 20; step += 1) {
        const count = turnsToCompact(total, step / 20);
        expect(count).toBeGreaterThanOrEqual(1);
        expect(count).toBeLessThanOrEqual(total - 1);
      }
    }
  });
});
