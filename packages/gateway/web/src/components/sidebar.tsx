import { useState, type ReactElement } from 'react';
import type { ChatSession, GatewayInfo } from '../api/api-types.js';
import type { SessionList } from '../state/use-session-list.js';
import { useNow } from '../state/use-now.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { Icon } from './icons.js';
import { SessionItem } from './session-item.js';
import { SignOutButton } from './sign-out-button.js';

/**
 * The left column: brand, "New chat", the session list by recency with "Load more", and the signed-in user.
 * On narrow screens it is a drawer the top bar opens.
 */
export function Sidebar({
  list,
  activeSessionId,
  info,
  open,
  onClose,
  onNewChat,
  onOpenSession,
  onRename,
  onDelete,
}: {
  list: SessionList;
  activeSessionId: string | null;
  info: GatewayInfo | null;
  open: boolean;
  onClose: () => void;
  onNewChat: () => void;
  onOpenSession: (sessionId: string) => void;
  onRename: (sessionId: string, name: string) => void;
  onDelete: (sessionId: string) => void;
}): ReactElement {
  const now = useNow();
  const [pendingDelete, setPendingDelete] = useState<ChatSession | null>(null);

  return (
    <>
      <div
        className={`sidebar-backdrop${open ? ' sidebar-backdrop--visible' : ''}`}
        onClick={onClose}
        aria-hidden="true"
      />
      <nav className={`sidebar${open ? ' sidebar--open' : ''}`} aria-label="Chats">
        <div className="sidebar__header">
          <a
            className="brand"
            href="/"
            onClick={(event) => {
              event.preventDefault();
              onNewChat();
            }}
          >
            <span className="brand__mark">
              <Icon name="logo" size={20} />
            </span>
            <span className="brand__name">agent-mesh</span>
          </a>
          <button
            type="button"
            className="icon-button sidebar__close"
            aria-label="Close chat list"
            onClick={onClose}
          >
            <Icon name="close" />
          </button>
        </div>
        <button type="button" className="button button--new-chat" onClick={onNewChat}>
          <Icon name="plus" />
          New chat
        </button>

        <div className="sidebar__scroll">
          <h2 className="sidebar__heading">Recent</h2>
          {list.phase === 'loading' && <p className="sidebar__hint">Loading chats…</p>}
          {list.phase === 'failed' && (
            <div className="sidebar__hint sidebar__hint--error">
              <p>Could not load your chats. {list.error}</p>
              <button
                type="button"
                className="button button--ghost button--small"
                onClick={list.reload}
              >
                Try again
              </button>
            </div>
          )}
          {list.phase === 'ready' && list.sessions.length === 0 && (
            <p className="sidebar__hint">No chats yet. Start one with “New chat”.</p>
          )}
          <ul className="session-list">
            {list.sessions.map((session) => (
              <SessionItem
                key={session.id}
                session={session}
                active={session.id === activeSessionId}
                now={now}
                onOpen={onOpenSession}
                onRename={onRename}
                onDelete={setPendingDelete}
              />
            ))}
          </ul>
          {list.hasMore && (
            <button
              type="button"
              className="button button--ghost button--small sidebar__more"
              onClick={list.loadMore}
              disabled={list.loadingMore}
            >
              {list.loadingMore ? 'Loading…' : 'Load more'}
            </button>
          )}
        </div>

        {info !== null && (
          <div className="sidebar__footer">
            <span className="avatar avatar--user" aria-hidden="true">
              {initialOf(info.user.name)}
            </span>
            <span className="sidebar__user" title={info.user.id}>
              {info.user.name}
            </span>
            <span className="sidebar__version">v{info.version}</span>
            {info.auth.mode === 'password' && <SignOutButton />}
          </div>
        )}
      </nav>

      <ConfirmDialog
        open={pendingDelete !== null}
        title="Delete this chat?"
        confirmLabel="Delete"
        danger
        onCancel={() => setPendingDelete(null)}
        onConfirm={() => {
          if (pendingDelete !== null) onDelete(pendingDelete.id);
          setPendingDelete(null);
        }}
      >
        <p>
          “{pendingDelete?.name}” and its history will be removed from the gateway for good. The
          agent may keep its own memory of the conversation until its retention removes it.
        </p>
      </ConfirmDialog>
    </>
  );
}

function initialOf(name: string): string {
  return (name.trim()[0] ?? '?').toUpperCase();
}
