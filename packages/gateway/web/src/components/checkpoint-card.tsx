import { memo, useState, type ReactElement } from 'react';
import type { CheckpointMessage } from '../api/api-types.js';
import { formatTokens } from '../state/context-usage-view.js';
import { formatFullTime, formatRelativeTime } from '../state/relative-time.js';
import { Icon } from './icons.js';
import { MarkdownView } from './markdown-view.js';

/**
 * A compaction checkpoint in the history: where the agent's context now starts from a summary. Says
 * whether it was asked for or happened because the context was full, how many turns were summarised
 * and how many tokens that saved, and shows the summary on demand. The messages above stay as they
 * were: only the agent's memory of them is summarised.
 */
export const CheckpointCard = memo(function CheckpointCard({
  message,
  now,
}: {
  message: CheckpointMessage;
  now: Date;
}): ReactElement {
  const [open, setOpen] = useState(false);
  const { compaction } = message;
  const manual = compaction.reason === 'manual';
  const turns = `${compaction.turnsCompacted} earlier turn${compaction.turnsCompacted === 1 ? '' : 's'}`;
  return (
    <section
      className="checkpoint"
      data-role="system"
      data-kind="compaction"
      data-reason={compaction.reason}
      aria-label="Conversation checkpoint"
    >
      <div className="checkpoint__rule" aria-hidden="true">
        <span className="checkpoint__rule-label">
          <Icon name="compress" size={12} />
          Checkpoint
        </span>
      </div>
      <div className="checkpoint__card">
        <div className="checkpoint__header">
          <span className="checkpoint__icon" aria-hidden="true">
            <Icon name="compress" size={16} />
          </span>
          <div className="checkpoint__heading">
            <h3 className="checkpoint__title">
              {manual ? 'Conversation compressed' : 'Context full · compressed automatically'}
            </h3>
            <p className="checkpoint__facts">
              <span>{turns} summarised</span>
              <span>
                {formatTokens(compaction.tokensBefore)} → {formatTokens(compaction.tokensAfter)}{' '}
                tokens
              </span>
              {compaction.percentage !== undefined && (
                <span>{Math.round(compaction.percentage * 100)}% of the turns</span>
              )}
            </p>
          </div>
          <time
            className="message__time checkpoint__time"
            dateTime={message.createdAt}
            title={formatFullTime(message.createdAt)}
          >
            {formatRelativeTime(message.createdAt, now)}
          </time>
        </div>
        <p className="checkpoint__text">
          {message.agent} now remembers the {turns} through the summary below and everything more
          recent in full. All messages stay visible here.
        </p>
        {compaction.summary !== null ? (
          <details
            className="checkpoint__summary"
            onToggle={(event) => setOpen(event.currentTarget.open)}
          >
            <summary className="checkpoint__toggle">
              <span className="checkpoint__chevron" aria-hidden="true" />
              {open ? 'Hide summary' : 'Show summary'}
            </summary>
            <div className="checkpoint__summary-body">
              <MarkdownView text={compaction.summary} />
            </div>
          </details>
        ) : (
          <p className="checkpoint__missing">
            The summary could not be read from the agent when this happened.
          </p>
        )}
      </div>
    </section>
  );
});
