import { randomUUID } from 'node:crypto';
import { MeshError } from '@agent-mesh/shared';
import type {
  CompactionAction,
  EventActions,
  NewSessionEvent,
  SessionKey,
  SessionState,
} from './session-service.js';
import { hasKeys, splitState, withoutTempKeys, type ScopedState } from './session-state.js';

/** Longest id-like string (keys, ids, author): MySQL/MariaDB index these columns as VARCHAR(191). */
export const maxIdLength = 191;

/** Largest page any list call returns. */
export const maxPageSize = 1000;

const contentRoles = new Set(['user', 'assistant', 'system', 'tool']);

function invalid(message: string, details: Record<string, unknown> = {}): MeshError {
  return new MeshError('REQUEST_INVALID', message, details);
}

function checkId(value: unknown, where: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw invalid(`${where} must be a non-empty string, got ${describe(value)}.`, { field: where });
  }
  if (value.length > maxIdLength) {
    throw invalid(
      `${where} is ${value.length} characters long; at most ${maxIdLength} are allowed.`,
      {
        field: where,
      },
    );
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a session key: three non-empty strings of at most 191 characters. */
export function checkSessionKey(key: SessionKey): void {
  if (!isPlainObject(key)) throw invalid(`session key must be an object, got ${describe(key)}.`);
  checkId(key.appName, 'appName');
  checkId(key.userId, 'userId');
  checkId(key.sessionId, 'sessionId');
}

/** Serialises a JSON value, turning what JSON cannot hold (cycles, BigInt) into a clear REQUEST_INVALID. */
export function toJson(value: unknown, where: string): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw invalid(`${where} is not JSON-serialisable: ${(error as Error).message}`, {
      field: where,
    });
  }
}

/** Parses JSON the service itself stored. */
export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** Returns a deep copy of a JSON value as it would come back from storage (Dates become strings, etc.). */
export function jsonCopy<T>(value: T, where: string): T {
  return fromJson<T>(toJson(value, where));
}

/** Checks a state object (initial state or stateDelta) and returns its JSON-normalised copy. */
export function checkState(state: unknown, where: string): SessionState {
  if (!isPlainObject(state))
    throw invalid(`${where} must be a JSON object, got ${describe(state)}.`);
  for (const key of Object.keys(state)) {
    if (key === 'app:' || key === 'user:' || key === 'temp:') {
      throw invalid(`${where} has the key "${key}" with nothing after its scope prefix.`, {
        field: where,
      });
    }
  }
  return jsonCopy(state, where);
}

/** Checks and normalises a list page size. */
export function checkLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > maxPageSize) {
    throw invalid(`limit must be an integer from 1 to ${maxPageSize}, got ${String(limit)}.`, {
      field: 'limit',
    });
  }
  return limit;
}

/** Checks an afterSeq paging position (default 0). */
export function checkAfterSeq(afterSeq: unknown): number {
  if (afterSeq === undefined) return 0;
  if (typeof afterSeq !== 'number' || !Number.isInteger(afterSeq) || afterSeq < 0) {
    throw invalid(`afterSeq must be a non-negative integer, got ${String(afterSeq)}.`, {
      field: 'afterSeq',
    });
  }
  return afterSeq;
}

/** A validated event ready to store: JSON columns serialised, the state delta split by scope. */
export interface PreparedEvent {
  id: string;
  invocationId: string;
  author: string;
  messageId: string | null;
  timestamp: Date;
  /** JSON text of the content, or null. */
  content: string | null;
  /** JSON text of the actions without `temp:` keys, or null when nothing is left. */
  actions: string | null;
  /** JSON text of the usage, or null. */
  usage: string | null;
  /** The persisted part of the state delta, by scope; null when there is none. */
  delta: ScopedState | null;
  compaction: CompactionAction | null;
  /** The actions as the caller sees them on the returned event (`temp:` keys included). */
  returnedActions: EventActions;
}

function checkCompaction(value: unknown): CompactionAction {
  if (!isPlainObject(value)) {
    throw invalid(`actions.compaction must be an object, got ${describe(value)}.`);
  }
  if (typeof value.summary !== 'string') {
    throw invalid('actions.compaction.summary must be a string.', {
      field: 'actions.compaction.summary',
    });
  }
  const { startSeq, endSeq } = value;
  if (typeof startSeq !== 'number' || !Number.isInteger(startSeq) || startSeq < 1) {
    throw invalid(`actions.compaction.startSeq must be an integer ≥ 1, got ${String(startSeq)}.`);
  }
  if (typeof endSeq !== 'number' || !Number.isInteger(endSeq) || endSeq < startSeq) {
    throw invalid(
      `actions.compaction.endSeq must be an integer ≥ startSeq (${startSeq}), got ${String(endSeq)}.`,
    );
  }
  return value as CompactionAction;
}

/** Checks that a compaction covers only events stored before it (its endSeq below its own seq). */
export function checkCompactionRange(compaction: CompactionAction | null, seq: number): void {
  if (compaction !== null && compaction.endSeq >= seq) {
    throw invalid(
      `actions.compaction.endSeq (${compaction.endSeq}) must be below the compaction event's own seq (${seq}): ` +
        'a compaction can only cover events already stored.',
      { field: 'actions.compaction.endSeq', seq },
    );
  }
}

function checkContent(value: unknown): void {
  if (!isPlainObject(value)) throw invalid(`content must be an object, got ${describe(value)}.`);
  if (typeof value.role !== 'string' || !contentRoles.has(value.role)) {
    throw invalid(
      `content.role must be one of: ${[...contentRoles].join(', ')}; got ${describe(value.role)}.`,
    );
  }
  if (!Array.isArray(value.parts))
    throw invalid(`content.parts must be an array, got ${describe(value.parts)}.`);
  value.parts.forEach((part: unknown, index: number) => {
    if (!isPlainObject(part) || typeof part.type !== 'string') {
      throw invalid(`content.parts[${index}] must be an object with a string "type".`, {
        field: `content.parts[${index}]`,
      });
    }
  });
}

/** Validates a new event and turns it into what both implementations store. */
export function prepareEvent(event: NewSessionEvent): PreparedEvent {
  if (!isPlainObject(event)) throw invalid(`event must be an object, got ${describe(event)}.`);
  const id = event.id ?? randomUUID();
  checkId(id, 'event.id');
  checkId(event.invocationId, 'event.invocationId');
  checkId(event.author, 'event.author');
  if (event.messageId !== undefined && event.messageId !== null)
    checkId(event.messageId, 'event.messageId');
  const timestamp = event.timestamp ?? new Date();
  if (!(timestamp instanceof Date) || Number.isNaN(timestamp.getTime())) {
    throw invalid('event.timestamp must be a valid Date.', { field: 'event.timestamp' });
  }
  if (event.content !== undefined && event.content !== null) checkContent(event.content);
  if (event.usage !== undefined && event.usage !== null && !isPlainObject(event.usage)) {
    throw invalid(`event.usage must be an object, got ${describe(event.usage)}.`);
  }

  let returnedActions: EventActions = {};
  let storedActions: EventActions = {};
  let delta: ScopedState | null = null;
  let compaction: CompactionAction | null = null;
  if (event.actions !== undefined && event.actions !== null) {
    if (!isPlainObject(event.actions)) {
      throw invalid(`event.actions must be an object, got ${describe(event.actions)}.`);
    }
    returnedActions = jsonCopy(event.actions, 'event.actions');
    storedActions = { ...returnedActions };
    if (returnedActions.stateDelta !== undefined) {
      const stateDelta = checkState(returnedActions.stateDelta, 'event.actions.stateDelta');
      const persisted = withoutTempKeys(stateDelta);
      if (hasKeys(persisted)) {
        storedActions.stateDelta = persisted;
        delta = splitState(persisted);
      } else {
        delete storedActions.stateDelta;
      }
    }
    if (returnedActions.compaction !== undefined) {
      compaction = checkCompaction(returnedActions.compaction);
    }
  }

  return {
    id,
    invocationId: event.invocationId,
    author: event.author,
    messageId: event.messageId ?? null,
    timestamp: new Date(timestamp.getTime()),
    content:
      event.content === undefined || event.content === null
        ? null
        : toJson(event.content, 'event.content'),
    actions: Object.keys(storedActions).length > 0 ? toJson(storedActions, 'event.actions') : null,
    usage:
      event.usage === undefined || event.usage === null ? null : toJson(event.usage, 'event.usage'),
    delta,
    compaction,
    returnedActions,
  };
}
