import type { CompactionNote, TaskEvent, TaskStatus, TokenUsage } from '../api/api-types.js';

/** The parts of an agent reply that its stream events change. */
export interface ReplyFields {
  text: string;
  status: TaskStatus;
  /** The seq of the last event folded in; 0 or absent means nothing was streamed into this copy yet. */
  lastSeq?: number;
  usage?: TokenUsage;
  error?: string;
  /** The latest `status-update` note, e.g. "Searching…", shown while the reply runs. */
  statusNote?: string;
  /** Set by `message-end` when the agent compacted its context during the turn. */
  compaction?: CompactionNote;
}

/** True once a task can no longer change: completed, failed, canceled or interrupted. */
export function isFinalStatus(status: TaskStatus): boolean {
  return status !== 'running';
}

/**
 * Folds one stream event into a reply and returns the new reply (the input is not changed). Events at or
 * below `lastSeq` are duplicates of what the reply already holds and change nothing; `message-start`
 * restarts the text because a replay from seq 0 re-sends every delta; a delta with `replace` stands for the
 * whole text (the agent started its reply over); `message-end` carries the full text,
 * which wins over the assembled one unless it is empty (a cut reply keeps its partial text).
 */
export function applyTaskEvent<T extends ReplyFields>(reply: T, seq: number, event: TaskEvent): T {
  if (seq <= (reply.lastSeq ?? 0)) return reply;
  switch (event.type) {
    case 'message-start':
      return { ...reply, text: '', status: 'running', lastSeq: seq, statusNote: undefined };
    case 'message-delta':
      if (isFinalStatus(reply.status)) return { ...reply, lastSeq: seq };
      return {
        ...reply,
        text: event.replace === true ? event.text : reply.text + event.text,
        lastSeq: seq,
      };
    case 'status-update':
      return {
        ...reply,
        lastSeq: seq,
        statusNote: event.message !== undefined && event.message !== '' ? event.message : undefined,
      };
    case 'message-end':
      return {
        ...reply,
        status: event.status,
        text: event.text !== '' ? event.text : reply.text,
        usage: event.usage ?? reply.usage,
        compaction: event.compaction ?? reply.compaction,
        error: event.error,
        lastSeq: seq,
        statusNote: undefined,
      };
  }
}

/** Folds a run of `[seq, event]` pairs into a reply, in order. */
export function assembleReply<T extends ReplyFields>(
  reply: T,
  events: ReadonlyArray<readonly [number, TaskEvent]>,
): T {
  return events.reduce((current, [seq, event]) => applyTaskEvent(current, seq, event), reply);
}
