import { randomUUID } from 'node:crypto';
import type { NewSessionEvent } from '@agent-mesh/agent-runtime';
import type { RawEventRow } from '../raw-driver/raw-driver.js';

/** Bytes of an event's content JSON: about what a short chat message weighs. */
export const eventContentBytes = 300;

const filler =
  'The quick brown fox jumps over the lazy dog while the agent keeps every turn of the conversation. ';

/**
 * The n-th benchmark event (n from 0): user and assistant take turns, each with one text part, the
 * content JSON padded to about 300 bytes; the id is fixed up front so the raw side stores the same row.
 */
export function createBenchEvent(index: number): NewSessionEvent & { id: string } {
  const role = index % 2 === 0 ? 'user' : 'assistant';
  const prefix = `message ${index}: `;
  const envelope = JSON.stringify({ role, parts: [{ type: 'text', text: '' }] }).length;
  const textLength = Math.max(0, eventContentBytes - envelope - prefix.length);
  const text = prefix + filler.repeat(Math.ceil(textLength / filler.length)).slice(0, textLength);
  return {
    id: randomUUID(),
    invocationId: `invocation-${Math.floor(index / 2)}`,
    author: role === 'user' ? 'user' : 'bench-agent',
    content: { role, parts: [{ type: 'text', text }] },
    timestamp: new Date(),
  };
}

/** A compaction event summarising events startSeq..endSeq, as the compaction module appends one. */
export function createCompactionEvent(
  startSeq: number,
  endSeq: number,
): NewSessionEvent & { id: string } {
  const summary = `Summary of events ${startSeq}-${endSeq}: the user and the agent discussed the benchmark.`;
  return {
    id: randomUUID(),
    invocationId: `compaction-${endSeq}`,
    author: 'system',
    content: { role: 'system', parts: [{ type: 'text', text: summary }] },
    actions: { compaction: { summary, startSeq, endSeq } },
    timestamp: new Date(),
  };
}

/** The row the `events` table holds for an event at `seq` of session `sessionPk` (what appendEvent writes). */
export function toRawEventRow(
  event: NewSessionEvent & { id: string },
  sessionPk: number,
  seq: number,
): RawEventRow {
  return {
    sessionPk,
    seq,
    id: event.id,
    invocationId: event.invocationId,
    author: event.author,
    messageId: event.messageId ?? null,
    content: event.content === undefined ? null : JSON.stringify(event.content),
    actions: event.actions === undefined ? null : JSON.stringify(event.actions),
    usage: event.usage === undefined ? null : JSON.stringify(event.usage),
    timestamp: event.timestamp ?? new Date(),
  };
}
