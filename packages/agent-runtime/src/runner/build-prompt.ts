import type { ModelMessage } from 'ai';
import type { SessionEvent } from '../sessions/session-service.js';
import { isFailedReply, textOf } from './reply-content.js';

/** What one model call gets: the system text and the conversation as model messages. */
export interface TurnPrompt {
  system: string;
  messages: ModelMessage[];
}

/** Introduces the compaction summary inside the system text. */
export const summaryHeading = 'Summary of the earlier conversation:';

/**
 * Builds a turn's prompt (design §6): system = instruction, plus the newest compaction summary when
 * there is one; messages = the live events as user/assistant messages. Events without text (state
 * changes, tool records) are left out; so are system events, which only the summary speaks for, and
 * failure notices, which the runtime wrote, not the model.
 */
export function buildPrompt(input: {
  instruction: string;
  summary: SessionEvent | null;
  events: readonly SessionEvent[];
}): TurnPrompt {
  const summaryText = input.summary?.actions.compaction?.summary ?? '';
  const system =
    summaryText.trim() === ''
      ? input.instruction
      : `${input.instruction}\n\n${summaryHeading}\n${summaryText}`;
  const messages: ModelMessage[] = [];
  for (const event of input.events) {
    const role = event.content?.role;
    if (role !== 'user' && role !== 'assistant') continue;
    if (isFailedReply(event)) continue;
    const text = textOf(event.content);
    if (text === '') continue;
    messages.push(
      role === 'user' ? { role: 'user', content: text } : { role: 'assistant', content: text },
    );
  }
  return { system, messages };
}
