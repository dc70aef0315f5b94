import type { ReactElement } from 'react';
import type { FeedbackRating } from '../api/api-types.js';
import { Icon } from './icons.js';

/** Thumbs up and down for an agent reply; the chosen one stays highlighted and pressed for assistive tech. */
export function FeedbackButtons({
  rating,
  onRate,
}: {
  rating: FeedbackRating | undefined;
  onRate: (rating: FeedbackRating) => void;
}): ReactElement {
  return (
    <>
      <button
        type="button"
        className={`icon-button icon-button--small${rating === 'up' ? ' icon-button--chosen' : ''}`}
        aria-label="Good reply"
        aria-pressed={rating === 'up'}
        title="Good reply"
        onClick={() => onRate('up')}
      >
        <Icon name="thumb-up" size={16} />
      </button>
      <button
        type="button"
        className={`icon-button icon-button--small${rating === 'down' ? ' icon-button--chosen' : ''}`}
        aria-label="Bad reply"
        aria-pressed={rating === 'down'}
        title="Bad reply"
        onClick={() => onRate('down')}
      >
        <Icon name="thumb-down" size={16} />
      </button>
    </>
  );
}
