import type { ReactElement } from 'react';
import type { TaskStatus } from '../api/api-types.js';
import { Icon } from './icons.js';

const labels: Record<
  Exclude<TaskStatus, 'completed' | 'running'>,
  { badge: string; text: string }
> = {
  interrupted: {
    badge: 'Interrupted',
    text: 'The reply was cut off before it was complete; the text so far is kept.',
  },
  failed: { badge: 'Failed', text: 'The agent could not answer.' },
  canceled: { badge: 'Stopped', text: 'You stopped this reply.' },
};

/** The badge, explanation and Retry button under a reply that did not complete. */
export function ReplyStatus({
  status,
  error,
  onRetry,
}: {
  status: Exclude<TaskStatus, 'completed' | 'running'>;
  error?: string;
  onRetry: () => void;
}): ReactElement {
  const label = labels[status];
  return (
    <div className={`reply-status reply-status--${status}`}>
      <span className={`badge badge--${status}`}>{label.badge}</span>
      <span className="reply-status__text">
        {error !== undefined && error !== '' ? error : label.text}
      </span>
      <button type="button" className="button button--ghost button--small" onClick={onRetry}>
        <Icon name="retry" size={15} />
        Retry
      </button>
    </div>
  );
}
