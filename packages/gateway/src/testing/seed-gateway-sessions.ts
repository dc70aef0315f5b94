import { randomUUID } from 'node:crypto';
import { createWebSessionId } from '@agent-mesh/shared';
import type { GatewayStore, SessionRecord } from '../store/gateway-store.js';

/** What seedGatewaySession creates. */
export interface SeedGatewaySessionOptions {
  userId: string;
  /** The session's last activity: every row of the session is dated at or before it. */
  lastActive: Date;
  /** Completed exchanges, each with three stream events and a feedback row (default 2). */
  tasks?: number;
  agent?: string;
}

/**
 * Stores a session with completed exchanges, their stream events and feedback, all dated at
 * `lastActive`, through the store's own API (so rows look exactly like a gateway writes them). For
 * retention and operator-command tests.
 */
export async function seedGatewaySession(
  store: GatewayStore,
  options: SeedGatewaySessionOptions,
): Promise<{ session: SessionRecord; taskIds: string[] }> {
  const agent = options.agent ?? 'assistant';
  const count = options.tasks ?? 2;
  const now = options.lastActive;
  const session = await store.createSession({
    id: createWebSessionId(),
    userId: options.userId,
    name: `chat of ${options.userId}`,
    agent,
    createdAt: now,
    updatedAt: now,
  });
  const taskIds: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const id = `task-${randomUUID()}`;
    // One second apart, the last one at lastActive, so the history has a stable order.
    const taskTime = new Date(now.getTime() - (count - 1 - index) * 1000);
    await store.createTask({
      id,
      sessionId: session.id,
      userId: options.userId,
      agent,
      clientMessageId: null,
      userMessage: `question ${index + 1}`,
      metadata: {},
      firstEvent: { type: 'message-start', agent },
      now: taskTime,
    });
    const text = `answer ${index + 1}`;
    await store.saveTaskProgress(id, {
      events: [
        { seq: 2, event: { type: 'message-delta', text } },
        { seq: 3, event: { type: 'message-end', status: 'completed', text } },
      ],
      responseText: text,
      lastEventSeq: 3,
      status: 'completed',
      usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 },
      now: taskTime,
    });
    await store.saveFeedback({
      taskId: id,
      userId: options.userId,
      sessionId: session.id,
      rating: 'up',
      comment: null,
      now: taskTime,
    });
    taskIds.push(id);
  }
  return { session: { ...session, updatedAt: now }, taskIds };
}
