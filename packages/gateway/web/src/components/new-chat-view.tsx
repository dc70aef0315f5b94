import { useState, type ReactElement } from 'react';
import type { AgentInfo } from '../api/api-types.js';
import { AgentPicker } from './agent-picker.js';
import { Composer } from './composer.js';
import { EmptyState } from './empty-state.js';
import { Icon } from './icons.js';
import { TopBar } from './top-bar.js';

const lastAgentKey = 'agent-mesh.last-agent';

/**
 * The new-chat screen: pick an agent (the last one used is preselected) and write the first message; the
 * chat is created when that message is sent, so no empty chats pile up in the list.
 */
export function NewChatView({
  agents,
  agentsError,
  onStart,
  onOpenSidebar,
}: {
  agents: AgentInfo[] | null;
  agentsError: string | null;
  onStart: (agent: string, text: string) => Promise<boolean>;
  onOpenSidebar: () => void;
}): ReactElement {
  const [choice, setChoice] = useState<string | null>(() => readLastAgent());
  const available = agents?.filter((agent) => agent.available) ?? [];
  const selected =
    available.find((agent) => agent.name === choice)?.name ?? available[0]?.name ?? null;

  return (
    <>
      <TopBar title="New chat" onOpenSidebar={onOpenSidebar} />
      <div className="new-chat">
        <div className="new-chat__inner">
          <div className="new-chat__hero">
            <span className="new-chat__mark">
              <Icon name="logo" size={28} />
            </span>
            <h2 className="new-chat__title">Start a conversation</h2>
            <p className="new-chat__subtitle">
              Pick an agent, then write your first message. Your chats are kept by the gateway and
              listed on the left.
            </p>
          </div>
          {agents === null && agentsError === null && <p className="muted">Loading agents…</p>}
          {agentsError !== null && (
            <EmptyState icon="alert" title="Could not load the agents">
              {agentsError}
            </EmptyState>
          )}
          {agents !== null && agents.length > 0 && (
            <AgentPicker
              agents={agents}
              selected={selected}
              onSelect={(name) => {
                setChoice(name);
                writeLastAgent(name);
              }}
            />
          )}
          {agents !== null && agents.length > 0 && available.length === 0 && (
            <p className="new-chat__warning">
              No agent is reachable right now. Start the agents, then reload this page.
            </p>
          )}
        </div>
      </div>
      <Composer
        placeholder={selected === null ? 'No agent available' : `Message ${selected}…`}
        disabled={selected === null}
        streaming={false}
        canStop={false}
        focusKey="new-chat"
        onSend={(text) => (selected === null ? Promise.resolve(false) : onStart(selected, text))}
        onStop={() => undefined}
      />
    </>
  );
}

function readLastAgent(): string | null {
  try {
    return window.localStorage.getItem(lastAgentKey);
  } catch {
    return null;
  }
}

function writeLastAgent(name: string): void {
  try {
    window.localStorage.setItem(lastAgentKey, name);
  } catch {
    // Storage can be disabled; the choice then lasts for this page only.
  }
}
