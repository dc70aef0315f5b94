import { MeshError, type SessionBehavior } from '@agent-mesh/shared';
import { maxIdLength } from '../sessions/session-input.js';

/** Where one turn's events go: the session key parts the runner derives from an A2A message. */
export interface SessionRoute {
  userId: string;
  sessionId: string;
  behavior: SessionBehavior;
}

/** The message metadata keys the runner reads (the gateway and peers put them there). */
export const turnMetadataKeys = {
  userId: 'userId',
  sessionBehavior: 'sessionBehavior',
} as const;

/** The user id of a message without `userId` metadata. */
export const anonymousUserId = 'anonymous';

const behaviors: readonly SessionBehavior[] = ['PERSISTENT', 'RUN_BASED'];

/**
 * Derives user and session id of a turn (design §5): PERSISTENT → the contextId; RUN_BASED →
 * `${contextId}:${taskId}:run`, a fresh session for this run only. Message metadata `sessionBehavior`
 * overrides the agent's default; `userId` names the user (default `anonymous`). Bad metadata is a
 * REQUEST_INVALID that names the key.
 */
export function resolveSessionRoute(input: {
  contextId: string;
  taskId: string;
  metadata?: Record<string, unknown> | undefined;
  defaultBehavior: SessionBehavior;
}): SessionRoute {
  const metadata = input.metadata ?? {};
  const rawUser = metadata[turnMetadataKeys.userId];
  if (
    rawUser !== undefined &&
    rawUser !== null &&
    (typeof rawUser !== 'string' || rawUser.trim() === '')
  ) {
    throw new MeshError(
      'REQUEST_INVALID',
      `message metadata "${turnMetadataKeys.userId}" must be a non-empty string, got ${JSON.stringify(rawUser)}.`,
      { field: `metadata.${turnMetadataKeys.userId}` },
    );
  }
  const rawBehavior = metadata[turnMetadataKeys.sessionBehavior];
  let behavior = input.defaultBehavior;
  if (rawBehavior !== undefined && rawBehavior !== null && rawBehavior !== '') {
    const normalized =
      typeof rawBehavior === 'string' ? rawBehavior.trim().toUpperCase() : rawBehavior;
    if (!behaviors.includes(normalized as SessionBehavior)) {
      throw new MeshError(
        'REQUEST_INVALID',
        `message metadata "${turnMetadataKeys.sessionBehavior}" must be one of: ${behaviors.join(', ')}; ` +
          `got ${JSON.stringify(rawBehavior)}.`,
        { field: `metadata.${turnMetadataKeys.sessionBehavior}` },
      );
    }
    behavior = normalized as SessionBehavior;
  }
  if (input.contextId === '') {
    throw new MeshError('REQUEST_INVALID', 'The message has no contextId; the runner needs one.', {
      field: 'contextId',
    });
  }
  const sessionId =
    behavior === 'PERSISTENT' ? input.contextId : `${input.contextId}:${input.taskId}:run`;
  const userId = typeof rawUser === 'string' ? rawUser.trim() : anonymousUserId;
  if (sessionId.length > maxIdLength) {
    throw new MeshError(
      'REQUEST_INVALID',
      `The session id derived from contextId is ${sessionId.length} characters long; at most ${maxIdLength} ` +
        'are allowed. Use a shorter contextId.',
      { field: 'contextId' },
    );
  }
  if (userId.length > maxIdLength) {
    throw new MeshError(
      'REQUEST_INVALID',
      `message metadata "${turnMetadataKeys.userId}" is ${userId.length} characters long; at most ${maxIdLength} are allowed.`,
      { field: `metadata.${turnMetadataKeys.userId}` },
    );
  }
  return { userId, sessionId, behavior };
}
