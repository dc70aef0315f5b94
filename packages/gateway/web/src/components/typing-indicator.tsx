import type { ReactElement } from 'react';

/** Three pulsing dots shown while an agent has not written anything yet, with an optional status note. */
export function TypingIndicator({ note }: { note?: string }): ReactElement {
  return (
    <div className="typing" aria-label={note ?? 'The agent is replying'}>
      <span className="typing__dots" aria-hidden="true">
        <span />
        <span />
        <span />
      </span>
      {note !== undefined && <span className="typing__note">{note}</span>}
    </div>
  );
}
