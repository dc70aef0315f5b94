import { randomUUID } from 'node:crypto';
import { generateText, type LanguageModel } from 'ai';
import { buildPrompt } from '../../runner/build-prompt.js';
import type { AppendedEvent, SessionKey, SessionService } from '../../sessions/session-service.js';
import { compactSession } from '../compact-session.js';
import { runWithCompaction } from '../run-with-compaction.js';
import type { SessionLock } from '../session-lock.js';

export interface TurnsWithCompaction {
  replies: string[];
  /** The user message events as appendEvent returned them, one per message. */
  userEvents: AppendedEvent[];
  /** Compactions that compacted something. */
  compactions: number;
  /** Model calls, retries after a compaction included. */
  attempts: number;
}

/**
 * Test helper: plays `messages` as the runner does, without the runner — store the user message once,
 * then `runWithCompaction` around loadForTurn + buildPrompt + generateText, compacting a quarter on
 * overflow (`expectedCompactionSeq` from the attempt that overflowed) — and stores each reply.
 */
export async function runTurnsWithCompaction(options: {
  sessions: SessionService;
  key: SessionKey;
  lock: SessionLock;
  model: LanguageModel;
  instruction: string;
  messages: readonly string[];
  contextWindow?: number;
}): Promise<TurnsWithCompaction> {
  const { sessions, key, lock, model, instruction } = options;
  const outcome: TurnsWithCompaction = { replies: [], userEvents: [], compactions: 0, attempts: 0 };
  for (const [index, text] of options.messages.entries()) {
    const invocationId = `task-${index + 1}`;
    outcome.userEvents.push(
      await sessions.appendEvent(key, {
        invocationId,
        author: 'user',
        messageId: randomUUID(),
        content: { role: 'user', parts: [{ type: 'text', text }] },
      }),
    );
    let seenCompactionSeq: number | null = null;
    const reply = await runWithCompaction({
      attempt: async () => {
        outcome.attempts += 1;
        const context = await sessions.loadForTurn(key);
        if (context === null) throw new Error('session vanished');
        seenCompactionSeq = context.session.compactionSeq;
        const prompt = buildPrompt({
          instruction,
          summary: context.summary,
          events: context.events,
        });
        return (await generateText({ model, ...prompt, maxRetries: 0 })).text;
      },
      compact: async () => {
        const result = await compactSession({
          sessions,
          key,
          model,
          percentage: 0.25,
          reason: 'overflow',
          lock,
          instruction,
          expectedCompactionSeq: seenCompactionSeq,
        });
        if (result.status === 'compacted') outcome.compactions += 1;
        return result;
      },
      contextWindow: options.contextWindow,
    });
    outcome.replies.push(reply);
    await sessions.appendEvent(key, {
      invocationId,
      author: key.appName,
      content: { role: 'assistant', parts: [{ type: 'text', text: reply }] },
    });
  }
  return outcome;
}
