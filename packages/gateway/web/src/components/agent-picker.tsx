import type { ReactElement } from 'react';
import type { AgentInfo } from '../api/api-types.js';
import { AgentBadges, unavailableReason } from './agent-badges.js';
import { Icon } from './icons.js';

/**
 * The agents to start a chat with, as a radio group of cards (arrow keys move between them). Unavailable
 * agents are shown disabled with the reason; agents without persistent sessions carry a warning badge.
 */
export function AgentPicker({
  agents,
  selected,
  onSelect,
}: {
  agents: AgentInfo[];
  selected: string | null;
  onSelect: (name: string) => void;
}): ReactElement {
  return (
    <fieldset className="agent-picker">
      <legend className="agent-picker__legend">Choose an agent</legend>
      <div className="agent-picker__grid">
        {agents.map((agent) => (
          <label
            key={agent.name}
            className={`agent-card${agent.available ? '' : ' agent-card--disabled'}${
              selected === agent.name ? ' agent-card--selected' : ''
            }`}
          >
            <input
              type="radio"
              name="agent"
              className="agent-card__radio"
              value={agent.name}
              checked={selected === agent.name}
              disabled={!agent.available}
              onChange={() => onSelect(agent.name)}
            />
            <span className="agent-card__header">
              <span className="agent-card__indicator" aria-hidden="true">
                {selected === agent.name && <Icon name="check" size={12} />}
              </span>
              <span className="agent-card__name">{agent.name}</span>
              <AgentBadges agent={agent} />
            </span>
            <span className="agent-card__description">
              {agent.description !== '' ? agent.description : 'No description.'}
            </span>
            {!agent.available && (
              <span className="agent-card__reason">{unavailableReason(agent)}</span>
            )}
            {agent.available && agent.warning !== undefined && agent.warning !== '' && (
              <span className="agent-card__reason">{agent.warning}</span>
            )}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
