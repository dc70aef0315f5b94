import {
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type ReactElement,
  type ReactNode,
} from 'react';
import type { FeedbackRating } from '../api/api-types.js';
import type { ConversationMessage } from '../state/conversation-reducer.js';
import { useNow } from '../state/use-now.js';
import { CheckpointCard } from './checkpoint-card.js';
import { Icon } from './icons.js';
import { MessageBubble } from './message-bubble.js';

const nearBottomPx = 80;

/**
 * The scrolling column of messages. It follows a streaming reply while the reader is at the bottom, leaves
 * the view alone once they scroll up (offering "Jump to latest"), and keeps the visible message in place when
 * "Load earlier messages" puts older ones above it.
 */
export function MessageList({
  messages,
  hasEarlier,
  loadingEarlier,
  empty,
  onLoadEarlier,
  onRetry,
  onRate,
}: {
  messages: ConversationMessage[];
  hasEarlier: boolean;
  loadingEarlier: boolean;
  empty: ReactNode;
  onLoadEarlier: () => void;
  onRetry: (taskId: string) => void;
  onRate: (taskId: string, rating: FeedbackRating) => void;
}): ReactElement {
  const now = useNow();
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const previous = useRef({ firstId: '', lastId: '', scrollHeight: 0, scrollTop: 0 });
  const [awayFromBottom, setAwayFromBottom] = useState(false);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (element === null) return;
    const firstId = messages[0]?.id ?? '';
    const last = messages[messages.length - 1];
    const lastId = last?.id ?? '';
    const before = previous.current;
    if (before.firstId !== '' && firstId !== before.firstId && lastId === before.lastId) {
      // Older messages were put on top: keep what the reader was looking at where it was.
      element.scrollTop = before.scrollTop + (element.scrollHeight - before.scrollHeight);
    } else if (stick.current || (lastId !== before.lastId && last?.localId !== undefined)) {
      // Following the conversation, or the reader just sent a message.
      element.scrollTop = element.scrollHeight;
      stick.current = true;
    }
    previous.current = {
      firstId,
      lastId,
      scrollHeight: element.scrollHeight,
      scrollTop: element.scrollTop,
    };
  }, [messages]);

  // Stay pinned to the bottom when the column or its content changes size (window resized, composer
  // grew, a code block rendered) while the reader follows the conversation.
  useEffect(() => {
    const element = scroller.current;
    const content = element?.firstElementChild;
    if (element == null || content == null) return;
    const observer = new ResizeObserver(() => {
      if (stick.current) element.scrollTop = element.scrollHeight;
    });
    observer.observe(element);
    observer.observe(content);
    return () => observer.disconnect();
  }, []);

  const onScroll = () => {
    const element = scroller.current;
    if (element === null) return;
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < nearBottomPx;
    stick.current = atBottom;
    previous.current.scrollTop = element.scrollTop;
    previous.current.scrollHeight = element.scrollHeight;
    setAwayFromBottom(!atBottom);
  };

  return (
    <div className="message-pane">
      <div className="message-list" ref={scroller} onScroll={onScroll}>
        <div className="message-list__inner">
          {hasEarlier && (
            <div className="message-list__earlier">
              <button
                type="button"
                className="button button--ghost button--small"
                onClick={onLoadEarlier}
                disabled={loadingEarlier}
              >
                {loadingEarlier ? 'Loading…' : 'Load earlier messages'}
              </button>
            </div>
          )}
          {messages.length === 0 ? (
            empty
          ) : (
            <div className="message-list__messages" aria-live="off">
              {messages.map((message) =>
                message.role === 'system' ? (
                  <CheckpointCard key={message.id} message={message} now={now} />
                ) : (
                  <MessageBubble
                    key={message.id}
                    message={message}
                    now={now}
                    onRetry={onRetry}
                    onRate={onRate}
                  />
                ),
              )}
            </div>
          )}
        </div>
      </div>
      {awayFromBottom && (
        <button
          type="button"
          className="jump-to-latest"
          onClick={() => {
            const element = scroller.current;
            if (element !== null)
              element.scrollTo({ top: element.scrollHeight, behavior: 'smooth' });
          }}
        >
          <Icon name="arrow-down" size={14} />
          <span>Jump to latest</span>
        </button>
      )}
    </div>
  );
}
