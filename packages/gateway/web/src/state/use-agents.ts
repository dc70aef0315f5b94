import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../api/api-error.js';
import type { AgentInfo } from '../api/api-types.js';
import { useServices } from './services-context.js';

const recheckIntervalMs = 10_000;

/**
 * The configured agents and whether each is available. Loaded at start and again whenever `picking`
 * becomes true (the new-chat screen); while picking, and some agent is unavailable, it is asked again every
 * few seconds so an agent that comes up becomes selectable without a reload.
 */
export function useAgents(picking: boolean): { agents: AgentInfo[] | null; error: string | null } {
  const { api } = useServices();
  const [agents, setAgents] = useState<AgentInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api.listAgents().then(
      (loaded) => {
        setAgents(loaded);
        setError(null);
      },
      (failure: unknown) => setError(describeError(failure)),
    );
  }, [api]);

  // Load at start and again whenever the new-chat screen opens or closes.
  useEffect(load, [picking, load]);

  const someUnavailable = agents?.some((agent) => !agent.available) ?? false;
  useEffect(() => {
    if (!picking || !someUnavailable) return;
    const timer = window.setInterval(load, recheckIntervalMs);
    return () => window.clearInterval(timer);
  }, [picking, someUnavailable, load]);

  return { agents, error };
}
