import { generalSummaryInstruction } from '../compaction/build-summary-prompt.js';
import {
  answerFromTranscript,
  builtinSummaryInstruction,
  type TranscriptMessage,
} from '../models/builtin/answer-from-transcript.js';

/**
 * A fake provider's `reply` that follows the general summarisation instruction as a real model would:
 * it keeps every stated fact (by answering as the built-in model does to its own summary instruction).
 */
export function summarisingReply(messages: TranscriptMessage[]): string {
  return answerFromTranscript(
    messages.map((message) =>
      message.role === 'system' && message.content === generalSummaryInstruction
        ? { role: 'system', content: builtinSummaryInstruction }
        : message,
    ),
  );
}
