import { useEffect, useRef, useState } from 'react';
import type { ContextUsage } from '../api/api-types.js';
import { useServices } from './services-context.js';

/**
 * The chat's context usage (GET /sessions/:id/context-usage), read from the gateway whenever
 * `refreshKey` changes — the view changes it when a reply finishes and when a checkpoint appears — and
 * only while `enabled`. An answer that arrives after a newer request started is dropped; a failed read
 * keeps the last figures (they are informational, the chat goes on).
 */
export function useContextUsage(
  sessionId: string,
  refreshKey: string,
  enabled: boolean,
): ContextUsage | null {
  const { api } = useServices();
  const [usage, setUsage] = useState<ContextUsage | null>(null);
  const latest = useRef(0);

  useEffect(() => {
    setUsage(null);
  }, [sessionId]);

  useEffect(() => {
    if (!enabled) return;
    const request = ++latest.current;
    api.getContextUsage(sessionId).then(
      (answer) => {
        if (request === latest.current) setUsage(answer);
      },
      () => undefined,
    );
  }, [api, sessionId, refreshKey, enabled]);

  return usage;
}
