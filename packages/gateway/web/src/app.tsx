import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { describeError } from './api/api-error.js';
import type { ChatSession, GatewayInfo } from './api/api-types.js';
import { ConversationView } from './components/conversation-view.js';
import { EmptyState } from './components/empty-state.js';
import { NewChatView } from './components/new-chat-view.js';
import { NoticeBanner } from './components/notice-banner.js';
import { Sidebar } from './components/sidebar.js';
import { ToastRegion } from './components/toast-region.js';
import { TopBar } from './components/top-bar.js';
import { chatPath } from './state/route.js';
import { useServices } from './state/services-context.js';
import { titleFromMessage } from './state/session-title.js';
import type { ConversationEvents } from './state/use-conversation.js';
import { useAgents } from './state/use-agents.js';
import { useRoute } from './state/use-route.js';
import { useSessionList } from './state/use-session-list.js';
import { useToasts } from './state/use-toasts.js';

/**
 * The whole page: the sidebar with the chats, notices about the gateway's configuration, and the screen the
 * address names (`/` a new chat, `/chat/<id>` a conversation, so a refresh reopens the same chat).
 */
export function App(): ReactElement {
  const { api } = useServices();
  const { route, navigate } = useRoute();
  const list = useSessionList();
  const { toasts, showToast, dismissToast } = useToasts();
  const [info, setInfo] = useState<GatewayInfo | null>(null);
  const [dismissedNotices, setDismissedNotices] = useState<ReadonlySet<string>>(new Set());
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const initialMessage = useRef<{ sessionId: string; text: string } | null>(null);
  const activeSessionId = route.name === 'chat' ? route.sessionId : null;
  const { agents, error: agentsError } = useAgents(route.name === 'new-chat');
  const [fetchedSession, setFetchedSession] = useState<ChatSession | null>(null);

  useEffect(() => {
    api
      .getConfig()
      .then(setInfo, (error: unknown) =>
        showToast(`Could not read the gateway configuration: ${describeError(error)}`),
      );
  }, [api, showToast]);

  // The open chat may be older than the pages loaded in the sidebar: fetch it on its own then.
  const listedSession = list.sessions.find((session) => session.id === activeSessionId) ?? null;
  useEffect(() => {
    if (activeSessionId === null || listedSession !== null || list.phase === 'loading') return;
    let active = true;
    api.getSession(activeSessionId).then(
      (session) => active && setFetchedSession(session),
      () => undefined, // The conversation view reports a missing chat itself.
    );
    return () => {
      active = false;
    };
  }, [api, activeSessionId, listedSession, list.phase]);
  const session = listedSession ?? (fetchedSession?.id === activeSessionId ? fetchedSession : null);

  useEffect(() => {
    document.title =
      route.name === 'chat' && session !== null ? `${session.name} · agent-mesh` : 'agent-mesh';
  }, [route, session]);

  useEffect(() => {
    if (!sidebarOpen) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setSidebarOpen(false);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [sidebarOpen]);

  const openSession = useCallback(
    (sessionId: string) => {
      setSidebarOpen(false);
      navigate(chatPath(sessionId));
    },
    [navigate],
  );

  const newChat = useCallback(() => {
    setSidebarOpen(false);
    navigate('/');
  }, [navigate]);

  const startChat = useCallback(
    async (agent: string, text: string): Promise<boolean> => {
      try {
        const created = await api.createSession({ agent, name: titleFromMessage(text) });
        list.upsert(created, { toTop: true });
        initialMessage.current = { sessionId: created.id, text };
        navigate(chatPath(created.id));
        return true;
      } catch (error) {
        showToast(`Could not start the chat: ${describeError(error)}`);
        return false;
      }
    },
    [api, list, navigate, showToast],
  );

  const renameSession = useCallback(
    (sessionId: string, name: string) => {
      const before = list.sessions.find((candidate) => candidate.id === sessionId);
      if (before !== undefined) list.upsert({ ...before, name });
      api.renameSession(sessionId, name).then(
        (renamed) => list.upsert(renamed),
        (error: unknown) => {
          if (before !== undefined) list.upsert(before);
          showToast(`Could not rename the chat: ${describeError(error)}`);
        },
      );
    },
    [api, list, showToast],
  );

  const deleteSession = useCallback(
    (sessionId: string) => {
      api.deleteSession(sessionId).then(
        (deleted) => {
          list.remove(sessionId);
          if (sessionId === activeSessionId) navigate('/', { replace: true });
          if (!deleted.agentDeleted) {
            showToast(
              `The chat was deleted here, but its agent keeps its copy for now: ${deleted.agentError ?? 'it did not answer.'}`,
            );
          }
        },
        (error: unknown) => showToast(`Could not delete the chat: ${describeError(error)}`),
      );
    },
    [api, list, activeSessionId, navigate, showToast],
  );

  const conversationEvents = useMemo<ConversationEvents>(
    () => ({
      onActivity: (sessionId) => {
        const known =
          list.sessions.find((candidate) => candidate.id === sessionId) ??
          (session?.id === sessionId ? session : undefined);
        if (known !== undefined) list.upsert(known, { toTop: true });
      },
      onError: (message) => showToast(message),
      takeInitialMessage: (sessionId) => {
        const pending = initialMessage.current;
        if (pending?.sessionId !== sessionId) return undefined;
        initialMessage.current = null;
        return pending.text;
      },
    }),
    [list, session, showToast],
  );

  const notices = noticesOf(info).filter((notice) => !dismissedNotices.has(notice.key));
  const openSidebar = () => setSidebarOpen(true);

  return (
    <div className="app">
      <Sidebar
        list={list}
        activeSessionId={activeSessionId}
        info={info}
        open={sidebarOpen}
        onClose={() => setSidebarOpen(false)}
        onNewChat={newChat}
        onOpenSession={openSession}
        onRename={renameSession}
        onDelete={deleteSession}
      />
      <main className="main">
        {notices.length > 0 && (
          <div className="notices">
            {notices.map((notice) => (
              <NoticeBanner
                key={notice.key}
                tone={notice.tone}
                onDismiss={() => setDismissedNotices((current) => new Set(current).add(notice.key))}
              >
                {notice.text}
              </NoticeBanner>
            ))}
          </div>
        )}
        {route.name === 'new-chat' && (
          <NewChatView
            agents={agents}
            agentsError={agentsError}
            onStart={startChat}
            onOpenSidebar={openSidebar}
          />
        )}
        {route.name === 'chat' && (
          <ConversationView
            key={route.sessionId}
            sessionId={route.sessionId}
            session={session}
            agent={agents?.find((agent) => agent.name === session?.agent)}
            events={conversationEvents}
            onNewChat={newChat}
            onOpenSidebar={openSidebar}
          />
        )}
        {route.name === 'not-found' && (
          <>
            <TopBar title="Not found" onOpenSidebar={openSidebar} />
            <div className="center-pane">
              <EmptyState
                icon="alert"
                title="There is nothing at this address"
                action={
                  <button type="button" className="button button--primary" onClick={newChat}>
                    Start a new chat
                  </button>
                }
              >
                {route.pathname}
              </EmptyState>
            </div>
          </>
        )}
      </main>
      <ToastRegion toasts={toasts} onDismiss={dismissToast} />
    </div>
  );
}

interface Notice {
  key: string;
  tone: 'warning' | 'info';
  text: string;
}

function noticesOf(info: GatewayInfo | null): Notice[] {
  if (info === null) return [];
  const notices: Notice[] = [];
  if (info.persistence === 'memory') {
    notices.push({
      key: 'persistence',
      tone: 'warning',
      text: 'History is kept in memory and will be lost when the gateway restarts.',
    });
  }
  info.warnings
    // The gateway also lists the memory warning; the notice above already says it.
    .filter((warning) => !(info.persistence === 'memory' && /\bin memory\b/i.test(warning)))
    .forEach((warning, index) =>
      notices.push({ key: `warning-${index}`, tone: 'warning', text: warning }),
    );
  return notices;
}
