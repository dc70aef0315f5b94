/**
 * The events of one reply as the gateway stores and streams them (numbered per task, seq 1 first).
 * Names follow noun-then-verb: message-start, message-delta, status-update, message-end.
 */
import type { CompactionNote, FinalTaskStatus, TaskUsage } from '../store/gateway-store.js';

/**
 * One event of a reply; `message-end` is always the last and carries the full text (and `compaction` when
 * the agent compacted its context during the turn). A `message-delta` with `replace: true` replaces the
 * reply so far (the agent restarted its answer, e.g. after a retried model call); otherwise its text is
 * appended.
 */
export type TaskStreamEvent =
  | { type: 'message-start'; agent: string }
  | { type: 'message-delta'; text: string; replace?: true }
  | { type: 'status-update'; state: string; message?: string }
  | {
      type: 'message-end';
      status: FinalTaskStatus;
      text: string;
      usage?: TaskUsage;
      error?: string;
      compaction?: CompactionNote;
    };

/** The stream event type names. */
export type TaskStreamEventType = TaskStreamEvent['type'];

/** Tells whether a parsed JSON value is a well-formed stream event (stored data is checked on read). */
export function isTaskStreamEvent(value: unknown): value is TaskStreamEvent {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return (
    type === 'message-start' ||
    type === 'message-delta' ||
    type === 'status-update' ||
    type === 'message-end'
  );
}
