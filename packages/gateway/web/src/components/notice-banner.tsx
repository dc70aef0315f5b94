import type { ReactElement, ReactNode } from 'react';
import { Icon } from './icons.js';

/** A full-width notice above the conversation, e.g. "history is kept in memory"; optionally dismissible. */
export function NoticeBanner({
  tone,
  children,
  onDismiss,
}: {
  tone: 'warning' | 'info';
  children: ReactNode;
  onDismiss?: () => void;
}): ReactElement {
  return (
    <div className={`notice notice--${tone}`} role={tone === 'warning' ? 'alert' : 'status'}>
      <Icon name={tone === 'warning' ? 'alert' : 'info'} />
      <div className="notice__text">{children}</div>
      {onDismiss !== undefined && (
        <button
          type="button"
          className="icon-button icon-button--small"
          aria-label="Dismiss notice"
          onClick={onDismiss}
        >
          <Icon name="close" size={16} />
        </button>
      )}
    </div>
  );
}
