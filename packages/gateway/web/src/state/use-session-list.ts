import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../api/api-error.js';
import type { ChatSession } from '../api/api-types.js';
import { useServices } from './services-context.js';

const pageSize = 20;

/** The sidebar's sessions, most recently active first, and the operations on them. */
export interface SessionList {
  sessions: ChatSession[];
  phase: 'loading' | 'ready' | 'failed';
  error: string | null;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore(): void;
  reload(): void;
  /** Puts a new or changed session in the list; `toTop` also marks it as just active. */
  upsert(session: ChatSession, options?: { toTop?: boolean }): void;
  remove(sessionId: string): void;
}

/** Loads the session list page by page (cursor paging) and keeps it in step with what the page does. */
export function useSessionList(): SessionList {
  const { api } = useServices();
  const [sessions, setSessions] = useState<ChatSession[]>([]);
  const [phase, setPhase] = useState<SessionList['phase']>('loading');
  const [error, setError] = useState<string | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const generation = useRef(0);

  const reload = useCallback(() => {
    const current = ++generation.current;
    setPhase('loading');
    api.listSessions({ limit: pageSize }).then(
      (page) => {
        if (current !== generation.current) return;
        setSessions(page.sessions);
        setCursor(page.nextCursor);
        setPhase('ready');
        setError(null);
      },
      (failure: unknown) => {
        if (current !== generation.current) return;
        setPhase('failed');
        setError(describeError(failure));
      },
    );
  }, [api]);

  useEffect(reload, [reload]);

  const loadMore = useCallback(() => {
    if (cursor === null || loadingMore) return;
    const current = generation.current;
    setLoadingMore(true);
    api.listSessions({ limit: pageSize, cursor }).then(
      (page) => {
        if (current !== generation.current) return;
        setSessions((known) => {
          const ids = new Set(known.map((session) => session.id));
          return [...known, ...page.sessions.filter((session) => !ids.has(session.id))];
        });
        setCursor(page.nextCursor);
        setLoadingMore(false);
      },
      (failure: unknown) => {
        setLoadingMore(false);
        setError(describeError(failure));
      },
    );
  }, [api, cursor, loadingMore]);

  const upsert = useCallback((session: ChatSession, options: { toTop?: boolean } = {}) => {
    setSessions((known) => {
      const index = known.findIndex((candidate) => candidate.id === session.id);
      if (options.toTop === true || index === -1) {
        const touched =
          options.toTop === true ? { ...session, updatedAt: new Date().toISOString() } : session;
        return [touched, ...known.filter((candidate) => candidate.id !== session.id)];
      }
      return known.map((candidate) => (candidate.id === session.id ? session : candidate));
    });
  }, []);

  const remove = useCallback((sessionId: string) => {
    setSessions((known) => known.filter((session) => session.id !== sessionId));
  }, []);

  return {
    sessions,
    phase,
    error,
    hasMore: cursor !== null,
    loadingMore,
    loadMore,
    reload,
    upsert,
    remove,
  };
}
