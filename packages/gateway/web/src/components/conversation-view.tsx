import type { ReactElement } from 'react';
import type { AgentInfo, ChatSession } from '../api/api-types.js';
import { useConversation, type ConversationEvents } from '../state/use-conversation.js';
import { useSocketState } from '../state/use-socket-state.js';
import { AgentBadges } from './agent-badges.js';
import { Composer } from './composer.js';
import { EmptyState } from './empty-state.js';
import { MessageList } from './message-list.js';
import { TopBar } from './top-bar.js';

/**
 * An open chat: the top bar with its name and agent, the message list (history paged backwards, replies
 * streaming live) and the composer with Stop. A chat that does not exist (or belongs to someone else) gets
 * a clear screen instead.
 */
export function ConversationView({
  sessionId,
  session,
  agent,
  events,
  onNewChat,
  onOpenSidebar,
}: {
  sessionId: string;
  session: ChatSession | null;
  agent: AgentInfo | undefined;
  events: ConversationEvents;
  onNewChat: () => void;
  onOpenSidebar: () => void;
}): ReactElement {
  const agentName = session?.agent ?? agent?.name ?? '';
  const conversation = useConversation(sessionId, agentName, events);
  const socketState = useSocketState();
  const { state } = conversation;

  if (state.phase === 'failed') {
    const missing = state.error?.code === 'SESSION_NOT_FOUND';
    return (
      <>
        <TopBar title={missing ? 'Chat not found' : 'Chat'} onOpenSidebar={onOpenSidebar} />
        <div className="center-pane">
          <EmptyState
            icon={missing ? 'chat' : 'alert'}
            title={missing ? 'This chat does not exist' : 'Could not open this chat'}
            action={
              <button type="button" className="button button--primary" onClick={onNewChat}>
                Start a new chat
              </button>
            }
          >
            {missing
              ? 'It may have been deleted, or the link belongs to another user.'
              : state.error?.message}
          </EmptyState>
        </div>
      </>
    );
  }

  return (
    <>
      <TopBar title={session?.name ?? ''} onOpenSidebar={onOpenSidebar}>
        {conversation.streaming && socketState === 'connecting' && (
          <span className="badge badge--info badge--pulse">Reconnecting…</span>
        )}
        {agent !== undefined && <AgentBadges agent={agent} />}
        {agentName !== '' && <span className="chip">{agentName}</span>}
      </TopBar>
      {state.phase === 'loading' ? (
        <div className="center-pane" aria-busy="true">
          <div className="spinner" aria-label="Loading the conversation" />
        </div>
      ) : (
        <MessageList
          messages={state.messages}
          hasEarlier={state.nextBefore !== null}
          loadingEarlier={state.loadingEarlier}
          onLoadEarlier={conversation.loadEarlier}
          onRetry={conversation.retry}
          onRate={conversation.rate}
          empty={
            <EmptyState icon="chat" title="No messages yet">
              Say hello to {agentName !== '' ? agentName : 'the agent'}.
            </EmptyState>
          }
        />
      )}
      <Composer
        placeholder={agentName !== '' ? `Message ${agentName}…` : 'Message…'}
        disabled={state.phase !== 'ready'}
        streaming={conversation.streaming}
        canStop={conversation.canStop}
        focusKey={sessionId}
        onSend={conversation.send}
        onStop={conversation.stop}
      />
    </>
  );
}
