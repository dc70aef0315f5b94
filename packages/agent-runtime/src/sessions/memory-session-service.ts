import type {
  AppendedEvent,
  EventPage,
  NewSessionEvent,
  Session,
  SessionKey,
  SessionPage,
  SessionService,
  SessionServiceObserver,
  SessionState,
  TurnContext,
} from './session-service.js';
import {
  checkAfterSeq,
  checkCompactionRange,
  checkLimit,
  checkSessionKey,
  checkState,
  prepareEvent,
} from './session-input.js';
import {
  decodeSessionCursor,
  encodeSessionCursor,
  isCompactionEvent,
  sessionExists,
  sessionNotFound,
  toSessionEvent,
  type StoredEvent,
} from './session-records.js';
import { mergeState, splitState } from './session-state.js';

interface StoredSession {
  key: SessionKey;
  /** JSON text, like the sessions.state column. */
  state: string;
  lastSeq: number;
  compactionSeq: number | null;
  createdAt: Date;
  updatedAt: Date;
  events: StoredEvent[];
  eventsByMessageId: Map<string, StoredEvent>;
}

function keyString(...parts: string[]): string {
  return JSON.stringify(parts);
}

/**
 * A SessionService that keeps everything in this process (lost on exit): for tests and `type: memory`.
 * It stores JSON as text, like the SQL tables, so callers can never mutate what it holds.
 */
export class MemorySessionService implements SessionService {
  readonly kind = 'memory' as const;
  private readonly sessions = new Map<string, StoredSession>();
  /** app name → JSON text of app: state (keys without prefix). */
  private readonly appStates = new Map<string, string>();
  /** [app, user] → JSON text of user: state (keys without prefix). */
  private readonly userStates = new Map<string, string>();

  constructor(private readonly options: { observer?: SessionServiceObserver } = {}) {}

  createSession(key: SessionKey, state: SessionState = {}): Promise<Session> {
    return settle(() => this.create(key, state, false));
  }

  getSession(key: SessionKey): Promise<Session | null> {
    return settle(() => {
      checkSessionKey(key);
      const stored = this.sessions.get(this.sessionKey(key));
      return stored === undefined ? null : this.toSession(stored);
    });
  }

  getOrCreateSession(key: SessionKey, state: SessionState = {}): Promise<Session> {
    return settle(() => this.create(key, state, true));
  }

  appendEvent(key: SessionKey, event: NewSessionEvent): Promise<AppendedEvent> {
    return settle(() => {
      checkSessionKey(key);
      const prepared = prepareEvent(event);
      const stored = this.sessions.get(this.sessionKey(key));
      if (stored === undefined) throw sessionNotFound(key);
      if (prepared.messageId !== null) {
        const existing = stored.eventsByMessageId.get(prepared.messageId);
        if (existing !== undefined) return { ...toSessionEvent(existing), deduplicated: true };
      }
      const seq = stored.lastSeq + 1;
      checkCompactionRange(prepared.compaction, seq);
      const row: StoredEvent = {
        seq,
        id: prepared.id,
        invocationId: prepared.invocationId,
        author: prepared.author,
        messageId: prepared.messageId,
        content: prepared.content,
        actions: prepared.actions,
        usage: prepared.usage,
        timestamp: prepared.timestamp,
      };
      if (prepared.delta !== null) {
        this.mergeAppUserState(key, prepared.delta.app, prepared.delta.user);
        stored.state = JSON.stringify({ ...parse(stored.state), ...prepared.delta.session });
      }
      stored.events.push(row);
      if (row.messageId !== null) stored.eventsByMessageId.set(row.messageId, row);
      stored.lastSeq = seq;
      if (prepared.compaction !== null) stored.compactionSeq = seq;
      stored.updatedAt = new Date();
      const appended = {
        ...toSessionEvent(row),
        actions: prepared.returnedActions,
        deduplicated: false,
      };
      this.options.observer?.onEventAppended?.(key, appended);
      return appended;
    });
  }

  loadForTurn(key: SessionKey): Promise<TurnContext | null> {
    return settle(() => {
      checkSessionKey(key);
      const stored = this.sessions.get(this.sessionKey(key));
      if (stored === undefined) return null;
      const summaryRow =
        stored.compactionSeq === null ? undefined : stored.events[stored.compactionSeq - 1];
      const summary = summaryRow === undefined ? null : toSessionEvent(summaryRow);
      const coveredEnd = summary?.actions.compaction?.endSeq ?? 0;
      // events[i] has seq i + 1 (gap-free), so the live window starts at index coveredEnd.
      const events = stored.events
        .slice(coveredEnd)
        .map(toSessionEvent)
        .filter((event) => !isCompactionEvent(event));
      return { session: this.toSession(stored), summary, events };
    });
  }

  listEvents(key: SessionKey, options: { afterSeq?: number; limit: number }): Promise<EventPage> {
    return settle(() => {
      checkSessionKey(key);
      const limit = checkLimit(options.limit);
      const afterSeq = checkAfterSeq(options.afterSeq);
      const stored = this.sessions.get(this.sessionKey(key));
      if (stored === undefined) throw sessionNotFound(key);
      const rows = stored.events.slice(afterSeq, afterSeq + limit);
      const last = rows.at(-1);
      const hasMore = last !== undefined && last.seq < stored.lastSeq;
      return { events: rows.map(toSessionEvent), nextAfterSeq: hasMore ? last.seq : null };
    });
  }

  listSessions(
    appName: string,
    userId: string,
    options: { limit: number; cursor?: string },
  ): Promise<SessionPage> {
    return settle(() => {
      checkSessionKey({ appName, userId, sessionId: '-' });
      const limit = checkLimit(options.limit);
      const after = options.cursor === undefined ? null : decodeSessionCursor(options.cursor);
      const matching = [...this.sessions.values()]
        .filter((stored) => stored.key.appName === appName && stored.key.userId === userId)
        .filter(
          (stored) =>
            after === null ||
            stored.updatedAt.getTime() < after.updatedAt.getTime() ||
            (stored.updatedAt.getTime() === after.updatedAt.getTime() &&
              stored.key.sessionId < after.sessionId),
        )
        .sort(
          (a, b) =>
            b.updatedAt.getTime() - a.updatedAt.getTime() ||
            (a.key.sessionId < b.key.sessionId ? 1 : a.key.sessionId > b.key.sessionId ? -1 : 0),
        );
      const page = matching.slice(0, limit);
      const last = page.at(-1);
      return {
        sessions: page.map((stored) => ({
          ...stored.key,
          lastSeq: stored.lastSeq,
          createdAt: new Date(stored.createdAt.getTime()),
          updatedAt: new Date(stored.updatedAt.getTime()),
        })),
        nextCursor:
          matching.length > limit && last !== undefined
            ? encodeSessionCursor(last.updatedAt, last.key.sessionId)
            : null,
      };
    });
  }

  deleteSession(key: SessionKey): Promise<boolean> {
    return settle(() => {
      checkSessionKey(key);
      return this.sessions.delete(this.sessionKey(key));
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private create(key: SessionKey, state: SessionState, reuse: boolean): Session {
    checkSessionKey(key);
    const initial = checkState(state, 'state');
    const existing = this.sessions.get(this.sessionKey(key));
    if (existing !== undefined) {
      if (reuse) return this.toSession(existing);
      throw sessionExists(key);
    }
    const scoped = splitState(initial);
    this.mergeAppUserState(key, scoped.app, scoped.user);
    const now = new Date();
    const stored: StoredSession = {
      key: { appName: key.appName, userId: key.userId, sessionId: key.sessionId },
      state: JSON.stringify(scoped.session),
      lastSeq: 0,
      compactionSeq: null,
      createdAt: now,
      updatedAt: now,
      events: [],
      eventsByMessageId: new Map(),
    };
    this.sessions.set(this.sessionKey(key), stored);
    const session = this.toSession(stored);
    // temp: keys live on the returned object for this invocation only.
    return { ...session, state: { ...initial, ...session.state } };
  }

  private mergeAppUserState(key: SessionKey, app: SessionState, user: SessionState): void {
    if (Object.keys(app).length > 0) {
      const current = parse(this.appStates.get(key.appName));
      this.appStates.set(key.appName, JSON.stringify({ ...current, ...app }));
    }
    if (Object.keys(user).length > 0) {
      const userKey = keyString(key.appName, key.userId);
      const current = parse(this.userStates.get(userKey));
      this.userStates.set(userKey, JSON.stringify({ ...current, ...user }));
    }
  }

  private toSession(stored: StoredSession): Session {
    return {
      appName: stored.key.appName,
      userId: stored.key.userId,
      sessionId: stored.key.sessionId,
      state: mergeState({
        app: parse(this.appStates.get(stored.key.appName)),
        user: parse(this.userStates.get(keyString(stored.key.appName, stored.key.userId))),
        session: parse(stored.state),
      }),
      lastSeq: stored.lastSeq,
      compactionSeq: stored.compactionSeq,
      createdAt: new Date(stored.createdAt.getTime()),
      updatedAt: new Date(stored.updatedAt.getTime()),
    };
  }

  private sessionKey(key: SessionKey): string {
    return keyString(key.appName, key.userId, key.sessionId);
  }
}

function parse(text: string | undefined): SessionState {
  return text === undefined ? {} : (JSON.parse(text) as SessionState);
}

/** Runs a synchronous operation as a promise, so a validation error rejects instead of throwing. */
function settle<T>(operation: () => T): Promise<T> {
  try {
    return Promise.resolve(operation());
  } catch (error) {
    return Promise.reject(error as Error);
  }
}
