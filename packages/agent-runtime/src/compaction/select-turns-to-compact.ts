import { MeshError } from '@agent-mesh/shared';
import type { CompactionAction, SessionEvent } from '../sessions/session-service.js';

/** One turn: a user message and every event up to the next user message (replies, tool calls, state). */
export interface Turn {
  /** seq of the turn's first event (its user message, or an earlier event before the first user message). */
  startSeq: number;
  /** seq of the turn's last event. */
  endSeq: number;
  events: SessionEvent[];
}

/** Why nothing can be compacted: no complete turn at all, or only the newest turn, which is always kept. */
export type NothingToCompactReason = 'no-turns' | 'single-turn';

/** Which turns a compaction covers, or why there are none. */
export type TurnSelection =
  | {
      kind: 'selected';
      /** The oldest turns, to be replaced by the summary. */
      compacted: Turn[];
      /** The newest turns, left as they are (at least one). */
      kept: Turn[];
      /** First seq the new summary covers: the previous summary's start when there is one (it rolls in). */
      startSeq: number;
      /** Last seq the new summary covers: the end of the last compacted turn. */
      endSeq: number;
      turnsTotal: number;
    }
  | { kind: 'nothing'; reason: NothingToCompactReason; turnsTotal: number; message: string };

/** Tells whether an event opens a turn: a message the user (or a calling agent) sent. */
export function isUserMessage(event: SessionEvent): boolean {
  return event.content?.role === 'user';
}

/**
 * Splits the live events of a session into turns, in seq order; events before the first user message
 * (a greeting, state set at creation) belong to the first turn, and compaction events are skipped.
 */
export function splitIntoTurns(events: readonly SessionEvent[]): Turn[] {
  const ordered = events
    .filter((event) => event.actions.compaction === undefined)
    .slice()
    .sort((a, b) => a.seq - b.seq);
  const turns: Turn[] = [];
  let preamble: SessionEvent[] = [];
  for (const event of ordered) {
    const current = turns.at(-1);
    if (isUserMessage(event)) {
      const opening = [...preamble, event];
      preamble = [];
      turns.push({ startSeq: opening[0]?.seq ?? event.seq, endSeq: event.seq, events: opening });
    } else if (current === undefined) {
      preamble.push(event);
    } else {
      current.events.push(event);
      current.endSeq = event.seq;
    }
  }
  return turns;
}

/**
 * Picks the oldest turns to compact (design §6): `Math.round(percentage × turns)` of the uncompacted
 * turns — rounding half up, so 2.5 turns become 3 — then at least one turn compacted and at least one
 * (the newest) kept. With fewer than two turns nothing can be compacted, and the result says why.
 * A previous summary rolls into the new one, so the new range starts where the previous one started.
 */
export function selectTurnsToCompact(
  events: readonly SessionEvent[],
  percentage: number,
  previous?: Pick<CompactionAction, 'startSeq'> | null,
): TurnSelection {
  checkPercentage(percentage);
  const turns = splitIntoTurns(events);
  if (turns.length === 0) {
    return {
      kind: 'nothing',
      reason: 'no-turns',
      turnsTotal: 0,
      message:
        'There is nothing to compact: the conversation has no messages since the last summary.',
    };
  }
  if (turns.length === 1) {
    return {
      kind: 'nothing',
      reason: 'single-turn',
      turnsTotal: 1,
      message:
        'There is nothing to compact: only the newest turn is left since the last summary, and it is always kept.',
    };
  }
  const count = turnsToCompact(turns.length, percentage);
  const compacted = turns.slice(0, count);
  const kept = turns.slice(count);
  const firstSeq = compacted[0]?.startSeq ?? 1;
  return {
    kind: 'selected',
    compacted,
    kept,
    startSeq: Math.min(previous?.startSeq ?? firstSeq, firstSeq),
    endSeq: compacted.at(-1)?.endSeq ?? firstSeq,
    turnsTotal: turns.length,
  };
}

/**
 * How many of `total` turns (≥ 2) to compact: percentage × total rounded to the nearest whole turn,
 * half up (a tiny epsilon absorbs binary fractions such as 0.58 × 25 = 14.4999…), clamped to [1, total − 1].
 */
export function turnsToCompact(total: number, percentage: number): number {
  const rounded = Math.floor(percentage * total + 0.5 + 1e-9);
  return Math.min(Math.max(rounded, 1), total - 1);
}

function checkPercentage(percentage: number): void {
  if (
    typeof percentage !== 'number' ||
    !Number.isFinite(percentage) ||
    percentage < 0 ||
    percentage > 1
  ) {
    throw new MeshError(
      'REQUEST_INVALID',
      `compaction_percentage must be a number from 0.0 to 1.0, got ${String(percentage)}; ` +
        'set agent.auto_summarization.compaction_percentage accordingly.',
      { field: 'auto_summarization.compaction_percentage', value: percentage },
    );
  }
}
