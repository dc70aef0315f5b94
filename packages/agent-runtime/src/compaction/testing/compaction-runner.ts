import { randomUUID } from 'node:crypto';
import { createLogger, type Logger } from '@agent-mesh/shared';
import type { LanguageModel } from 'ai';
import { Runner } from '../../runner/runner.js';
import type { RunnerHooks } from '../../runner/runner-types.js';
import { MemorySessionService } from '../../sessions/memory-session-service.js';
import type { SessionKey, SessionService } from '../../sessions/session-service.js';
import {
  compactSession,
  type CompactionReason,
  type CompactSessionOptions,
} from '../compact-session.js';
import type { OverflowHandlerOptions } from '../create-overflow-handler.js';
import { InProcessSessionLock } from '../in-process-session-lock.js';
import type { SessionLock } from '../session-lock.js';

export const testLogger: Logger = createLogger('test', { level: 'silent' });
export const testInstruction = 'You are a helpful assistant.';

/** A fresh session key of its own, so tests sharing one session service never meet. */
export function newSessionKey(): SessionKey {
  const suffix = randomUUID().slice(0, 8);
  return { appName: 'assistant', userId: `user-${suffix}`, sessionId: `web-session-${suffix}` };
}

/**
 * Test helper: a persistent runner for agent `assistant` on a fresh memory session service and the given
 * built-in model, with the hooks `hooksFor` builds from overflow-handler options on those sessions
 * (in-process lock, a quarter of the turns per compaction).
 */
export function createCompactionRunner(
  model: LanguageModel,
  contextWindow: number,
  hooksFor: (options: OverflowHandlerOptions) => RunnerHooks,
): { runner: Runner; sessions: MemorySessionService } {
  const sessions = new MemorySessionService();
  const handlerOptions: OverflowHandlerOptions = {
    sessions,
    lock: new InProcessSessionLock(),
    model,
    percentage: 0.25,
    instruction: testInstruction,
    contextWindow,
    logger: testLogger,
  };
  const runner = new Runner({
    appName: 'assistant',
    instruction: testInstruction,
    model,
    modelLabel: { provider: 'builtin', name: 'recall' },
    contextWindow,
    sessionService: sessions,
    defaultBehavior: 'PERSISTENT',
    maxMessageBytes: 1024 * 1024,
    logger: testLogger,
    hooks: hooksFor(handlerOptions),
  });
  return { runner, sessions };
}

/** A turn request from user `ada` in context `contextId`. */
export function adaTurn(contextId: string, text: string) {
  return {
    contextId,
    taskId: randomUUID(),
    messageId: randomUUID(),
    text,
    metadata: { userId: 'ada' },
  };
}

/** Ada's session key for context `contextId` (what the runner stores `adaTurn`s under). */
export function adaKey(contextId: string): SessionKey {
  return { appName: 'assistant', userId: 'ada', sessionId: contextId };
}

/** `compactSession` on these sessions and lock with `model`, unless `more` says otherwise. */
export function compactWith(sessions: SessionService, lock: SessionLock, model: LanguageModel) {
  return (
    key: SessionKey,
    percentage: number,
    reason: CompactionReason,
    more: Partial<CompactSessionOptions> = {},
  ) => compactSession({ sessions, key, model, percentage, reason, lock, ...more });
}
