import type { ReactElement } from 'react';
import type { AgentInfo } from '../api/api-types.js';

/** Why an agent cannot be picked, in words. */
export function unavailableReason(agent: AgentInfo): string {
  return agent.warning !== undefined && agent.warning !== ''
    ? agent.warning
    : 'The gateway cannot reach this agent right now.';
}

/** Badges for an agent: "Unavailable", or "Memory not persistent" when it forgets chats on restart. */
export function AgentBadges({ agent }: { agent: AgentInfo }): ReactElement | null {
  if (!agent.available) {
    return (
      <span className="badge badge--muted" title={unavailableReason(agent)}>
        Unavailable
      </span>
    );
  }
  if (agent.persistence === 'memory') {
    return (
      <span
        className="badge badge--warning"
        title="This agent keeps its sessions in memory: it forgets your conversations when it restarts."
      >
        Memory not persistent
      </span>
    );
  }
  return null;
}
