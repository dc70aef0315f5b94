import { memo, useState, type ReactElement } from 'react';
import type { FeedbackRating } from '../api/api-types.js';
import type { ExchangeEntry } from '../state/conversation-reducer.js';
import { formatFullTime, formatRelativeTime } from '../state/relative-time.js';
import { FeedbackButtons } from './feedback-buttons.js';
import { Icon } from './icons.js';
import { copyText, MarkdownView } from './markdown-view.js';
import { ReplyStatus } from './reply-status.js';
import { TypingIndicator } from './typing-indicator.js';

/**
 * One message. The user's text is shown as typed (plain text, never markdown); an agent reply shows its
 * markdown, a typing indicator or live caret while it streams, and afterwards either copy and feedback
 * actions or, when it did not complete, its status with Retry.
 */
export const MessageBubble = memo(function MessageBubble({
  message,
  now,
  onRetry,
  onRate,
}: {
  message: ExchangeEntry;
  now: Date;
  onRetry: (taskId: string) => void;
  onRate: (taskId: string, rating: FeedbackRating) => void;
}): ReactElement {
  const time = (
    <time
      className="message__time"
      dateTime={message.createdAt}
      title={formatFullTime(message.createdAt)}
    >
      {formatRelativeTime(message.createdAt, now)}
    </time>
  );

  if (message.role === 'user') {
    return (
      <article className="message message--user" data-role="user" data-task-id={message.taskId}>
        <div className="bubble bubble--user">{message.text}</div>
        <div className="message__meta message__meta--user">{time}</div>
      </article>
    );
  }

  const running = message.status === 'running';
  return (
    <article
      className={`message message--agent message--${message.status}`}
      data-role="agent"
      data-status={message.status}
      data-task-id={message.taskId}
      aria-busy={running}
    >
      <span className="avatar avatar--agent" aria-hidden="true">
        <Icon name="logo" size={16} />
      </span>
      <div className="message__body">
        <div className="message__meta">
          <span className="message__author">{message.agent}</span>
          {time}
        </div>
        {message.text !== '' && <MarkdownView text={message.text} streaming={running} />}
        {running && message.text === '' && <TypingIndicator note={message.statusNote} />}
        {running && message.text !== '' && message.statusNote !== undefined && (
          <p className="message__note">{message.statusNote}</p>
        )}
        {message.compaction !== undefined && !running && (
          <p className="message__compaction-note" data-compaction-note="">
            <Icon name="compress" size={13} />
            <span>
              Context was full: {message.agent} summarised {message.compaction.turnsCompacted}{' '}
              earlier turn{message.compaction.turnsCompacted === 1 ? '' : 's'} before answering.
            </span>
          </p>
        )}
        {message.status === 'completed' && (
          <div className="message__actions">
            <CopyButton text={message.text} />
            {message.taskId !== '' && (
              <FeedbackButtons
                rating={message.feedback?.rating}
                onRate={(rating) => onRate(message.taskId, rating)}
              />
            )}
          </div>
        )}
        {message.status !== 'completed' && message.status !== 'running' && (
          <ReplyStatus
            status={message.status}
            error={message.error}
            onRetry={() => onRetry(message.taskId)}
          />
        )}
      </div>
    </article>
  );
});

function CopyButton({ text }: { text: string }): ReactElement {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="icon-button icon-button--small"
      aria-label={copied ? 'Copied' : 'Copy reply'}
      title={copied ? 'Copied' : 'Copy'}
      onClick={() => {
        void copyText(text).then((done) => {
          if (!done) return;
          setCopied(true);
          window.setTimeout(() => setCopied(false), 1500);
        });
      }}
    >
      <Icon name={copied ? 'check' : 'copy'} size={16} />
    </button>
  );
}
