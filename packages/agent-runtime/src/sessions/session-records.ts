import { MeshError } from '@agent-mesh/shared';
import type { EventActions, SessionEvent, SessionKey } from './session-service.js';
import { fromJson } from './session-input.js';

/** An event as both implementations store it: JSON columns as text, exactly like the `events` table. */
export interface StoredEvent {
  seq: number;
  id: string;
  invocationId: string;
  author: string;
  messageId: string | null;
  content: string | null;
  actions: string | null;
  usage: string | null;
  timestamp: Date;
}

/** Turns a stored event into the SessionEvent callers see (fresh objects, so callers cannot reach storage). */
export function toSessionEvent(row: StoredEvent): SessionEvent {
  return {
    seq: row.seq,
    id: row.id,
    invocationId: row.invocationId,
    author: row.author,
    messageId: row.messageId,
    content: row.content === null ? null : fromJson(row.content),
    actions: row.actions === null ? {} : fromJson<EventActions>(row.actions),
    usage: row.usage === null ? null : fromJson(row.usage),
    timestamp: new Date(row.timestamp.getTime()),
  };
}

/** Tells whether an event is a compaction (those are summaries, not part of a turn's live window). */
export function isCompactionEvent(event: SessionEvent): boolean {
  return event.actions.compaction !== undefined;
}

/** Encodes a listSessions position (updatedAt, sessionId) as an opaque cursor. */
export function encodeSessionCursor(updatedAt: Date, sessionId: string): string {
  return Buffer.from(JSON.stringify([updatedAt.getTime(), sessionId]), 'utf8').toString(
    'base64url',
  );
}

/** Decodes a listSessions cursor; a malformed one is a REQUEST_INVALID that says so. */
export function decodeSessionCursor(cursor: string): { updatedAt: Date; sessionId: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'number' &&
      Number.isFinite(value[0]) &&
      typeof value[1] === 'string'
    ) {
      return { updatedAt: new Date(value[0]), sessionId: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new MeshError(
    'REQUEST_INVALID',
    'cursor is not a cursor returned by listSessions; pass nextCursor unchanged or omit it for the first page.',
    { field: 'cursor' },
  );
}

/** The SESSION_NOT_FOUND error for a key. */
export function sessionNotFound(key: SessionKey): MeshError {
  return new MeshError(
    'SESSION_NOT_FOUND',
    `Session "${key.sessionId}" of user "${key.userId}" does not exist for agent "${key.appName}"; ` +
      'create it first (createSession or getOrCreateSession).',
    { appName: key.appName, userId: key.userId, sessionId: key.sessionId },
  );
}

/** The CONFLICT error for createSession on an existing key. */
export function sessionExists(key: SessionKey): MeshError {
  return new MeshError(
    'CONFLICT',
    `Session "${key.sessionId}" of user "${key.userId}" already exists for agent "${key.appName}"; ` +
      'use getSession or getOrCreateSession to load it.',
    { appName: key.appName, userId: key.userId, sessionId: key.sessionId },
  );
}
