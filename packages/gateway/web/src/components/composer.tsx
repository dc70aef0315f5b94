import {
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type ReactElement,
  type ReactNode,
} from 'react';
import { ContextUsageSlot } from './context-usage-slot.js';
import { Icon } from './icons.js';

const maxHeightPx = 240;

/**
 * The message input: grows with its text, Enter sends and Shift+Enter starts a new line (not while an
 * input method is composing), and Send turns into Stop while a reply streams. When the gateway refuses a
 * message the text comes back, so nothing typed is lost.
 */
export function Composer({
  placeholder,
  disabled = false,
  streaming,
  canStop,
  focusKey,
  context,
  onSend,
  onStop,
}: {
  placeholder: string;
  disabled?: boolean;
  streaming: boolean;
  canStop: boolean;
  /** Focus moves to the input whenever this changes (e.g. on opening another chat). */
  focusKey: string;
  /** Shown under the input on the right: the context-usage bar and the compress action. */
  context?: ReactNode;
  onSend: (text: string) => Promise<boolean>;
  onStop: () => void;
}): ReactElement {
  const [draft, setDraft] = useState('');
  const input = useRef<HTMLTextAreaElement>(null);

  useLayoutEffect(() => {
    const element = input.current;
    if (element === null) return;
    element.style.height = 'auto';
    element.style.height = `${Math.min(element.scrollHeight, maxHeightPx)}px`;
  }, [draft]);

  useEffect(() => {
    input.current?.focus();
  }, [focusKey]);

  const canSend = !disabled && !streaming && draft.trim() !== '';
  const submit = () => {
    if (!canSend) return;
    const text = draft.trim();
    setDraft('');
    void onSend(text).then((accepted) => {
      if (!accepted) setDraft((current) => (current === '' ? text : current));
    });
  };

  return (
    <div className="composer">
      <form
        className={`composer__box${disabled ? ' composer__box--disabled' : ''}`}
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <textarea
          ref={input}
          className="composer__input"
          rows={1}
          value={draft}
          placeholder={placeholder}
          aria-label="Message"
          disabled={disabled}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
              event.preventDefault();
              submit();
            }
          }}
        />
        {streaming ? (
          <button
            key="stop"
            type="button"
            className="composer__button composer__button--stop"
            aria-label="Stop the reply"
            title="Stop"
            disabled={!canStop}
            onClick={onStop}
          >
            <Icon name="stop" />
          </button>
        ) : (
          <button
            key="send"
            type="submit"
            className="composer__button"
            aria-label="Send message"
            title="Send (Enter)"
            disabled={!canSend}
          >
            <Icon name="send" />
          </button>
        )}
      </form>
      <div className="composer__footer">
        <span className="composer__hint">
          <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line
        </span>
        <ContextUsageSlot>{context}</ContextUsageSlot>
      </div>
    </div>
  );
}
