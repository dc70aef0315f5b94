import type { ReactElement } from 'react';
import type { AgentInfo, ChatSession } from '../api/api-types.js';
import type { ConversationMessage } from '../state/conversation-reducer.js';
import { useContextUsage } from '../state/use-context-usage.js';
import { useConversation, type ConversationEvents } from '../state/use-conversation.js';
import { useSocketState } from '../state/use-socket-state.js';
import { AgentBadges } from './agent-badges.js';
import { Composer } from './composer.js';
import { CompressConversation } from './compress-conversation.js';
import { ContextUsageBar } from './context-usage-bar.js';
import { EmptyState } from './empty-state.js';
import { MessageList } from './message-list.js';
import { TopBar } from './top-bar.js';

/** Messages of the history (not checkpoints, not a message still being sent) that offer compression. */
const messagesBeforeCompress = 4;
/** Context usage, in percent, above which compression is offered however short the chat is. */
const percentBeforeCompress = 50;

/**
 * Changes when the context usage may have changed: a reply finished or a checkpoint appeared.
 */
function usageRefreshKey(messages: readonly ConversationMessage[]): string {
  const settled = messages.filter(
    (message) => message.role === 'agent' && message.status !== 'running' && message.taskId !== '',
  ).length;
  const checkpoints = messages.filter((message) => message.role === 'system').length;
  return `${settled}:${checkpoints}`;
}

/**
 * An open chat: the top bar with its name and agent, the message list (history paged backwards, replies
 * streaming live, compaction checkpoints), and the composer with Stop, the context-usage bar and
 * "Compress conversation". A chat that does not exist (or belongs to someone else) gets a clear screen
 * instead.
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
  const usage = useContextUsage(
    sessionId,
    usageRefreshKey(state.messages),
    state.phase === 'ready',
  );
  const stored = state.messages.filter(
    (message) => message.role !== 'system' && message.taskId !== '',
  ).length;
  const offerCompress =
    stored >= messagesBeforeCompress || (usage?.percent ?? 0) > percentBeforeCompress;

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
        context={
          state.phase === 'ready' ? (
            <>
              {usage !== null && <ContextUsageBar usage={usage} />}
              {offerCompress && (
                <CompressConversation
                  agent={agentName !== '' ? agentName : 'The agent'}
                  percentage={usage?.compactionPercentage}
                  disabled={conversation.streaming}
                  compressing={conversation.compressing}
                  onCompress={() => void conversation.compress()}
                />
              )}
            </>
          ) : null
        }
        onSend={conversation.send}
        onStop={conversation.stop}
      />
    </>
  );
}
