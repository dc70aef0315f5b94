import { useEffect, useRef, useState, type ReactElement } from 'react';
import type { ChatSession } from '../api/api-types.js';
import { formatFullTime, formatRelativeTime } from '../state/relative-time.js';
import { Icon } from './icons.js';

/**
 * One row of the session list: name and relative time, a link to the chat, and rename (inline: Enter
 * saves, Escape cancels, leaving the field saves) and delete actions that show on hover and focus.
 */
export function SessionItem({
  session,
  active,
  now,
  onOpen,
  onRename,
  onDelete,
}: {
  session: ChatSession;
  active: boolean;
  now: Date;
  onOpen: (sessionId: string) => void;
  onRename: (sessionId: string, name: string) => void;
  onDelete: (session: ChatSession) => void;
}): ReactElement {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(session.name);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (editing) input.current?.select();
  }, [editing]);

  // Enter and the blur that follows when the field goes away must not save twice.
  const finished = useRef(false);
  const finish = (save: boolean) => {
    if (finished.current) return;
    finished.current = true;
    setEditing(false);
    const name = draft.trim();
    if (save && name !== '' && name !== session.name) onRename(session.id, name);
    else setDraft(session.name);
  };

  if (editing) {
    return (
      <li className="session-item session-item--editing">
        <input
          ref={input}
          className="session-item__input"
          value={draft}
          maxLength={200}
          aria-label="Chat name"
          onChange={(event) => setDraft(event.target.value)}
          onBlur={() => finish(true)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              finish(true);
            } else if (event.key === 'Escape') {
              event.preventDefault();
              finish(false);
            }
          }}
        />
      </li>
    );
  }

  return (
    <li className={`session-item${active ? ' session-item--active' : ''}`}>
      <a
        className="session-item__link"
        href={`/chat/${encodeURIComponent(session.id)}`}
        aria-current={active ? 'page' : undefined}
        onClick={(event) => {
          if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
          event.preventDefault();
          onOpen(session.id);
        }}
      >
        <span className="session-item__name">{session.name}</span>
        <time
          className="session-item__time"
          dateTime={session.updatedAt}
          title={formatFullTime(session.updatedAt)}
        >
          {formatRelativeTime(session.updatedAt, now)}
        </time>
      </a>
      <div className="session-item__actions">
        <button
          type="button"
          className="icon-button icon-button--small"
          aria-label={`Rename “${session.name}”`}
          title="Rename"
          onClick={() => {
            setDraft(session.name);
            finished.current = false;
            setEditing(true);
          }}
        >
          <Icon name="pencil" size={16} />
        </button>
        <button
          type="button"
          className="icon-button icon-button--small icon-button--danger"
          aria-label={`Delete “${session.name}”`}
          title="Delete"
          onClick={() => onDelete(session)}
        >
          <Icon name="trash" size={16} />
        </button>
      </div>
    </li>
  );
}
