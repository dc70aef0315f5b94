import { MeshError, type SessionBehavior } from '@agent-mesh/shared';
import { maxIdLength } from '../sessions/session-input.js';

/** Which session a management request is about, as the gateway names it. */
export interface SessionTarget {
  /** The gateway's session id = the A2A contextId. */
  sessionId: string;
  userId: string;
  /** The request's `sessionBehavior`, when it overrides the agent's default. */
  sessionBehavior?: SessionBehavior;
}

/** A validated `POST /mesh/v1/sessions/compact` body. */
export interface CompactTarget extends SessionTarget {
  percentage?: number;
}

const behaviors: readonly SessionBehavior[] = ['PERSISTENT', 'RUN_BASED'];

function invalid(message: string, field: string): MeshError {
  return new MeshError('REQUEST_INVALID', message, { field });
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return JSON.stringify(value) ?? String(value);
}

function readId(source: Record<string, unknown>, field: string, where: string): string {
  const value = source[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(`${where} "${field}" must be a non-empty string, got ${describe(value)}.`, field);
  }
  if (value.length > maxIdLength) {
    throw invalid(
      `${where} "${field}" is ${value.length} characters long; at most ${maxIdLength} are allowed.`,
      field,
    );
  }
  return value;
}

function readBehavior(source: Record<string, unknown>, where: string): SessionBehavior | undefined {
  const value = source.sessionBehavior;
  if (value === undefined || value === '') return undefined;
  const normalized = typeof value === 'string' ? value.trim().toUpperCase() : value;
  if (!behaviors.includes(normalized as SessionBehavior)) {
    throw invalid(
      `${where} "sessionBehavior" must be one of: ${behaviors.join(', ')}; got ${describe(value)}.`,
      'sessionBehavior',
    );
  }
  return normalized as SessionBehavior;
}

function rejectUnknown(
  source: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
): void {
  const unknown = Object.keys(source).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw invalid(
      `${where} has unknown ${unknown.length === 1 ? 'property' : 'properties'} ` +
        `${unknown.map((key) => `"${key}"`).join(', ')}; allowed: ${allowed.join(', ')}.`,
      unknown[0] ?? '',
    );
  }
}

/**
 * Validates the body of a manual compaction: `sessionId` and `userId` (non-empty strings), optional
 * `percentage` (a number from 0.0 to 1.0) and `sessionBehavior`; anything else is REQUEST_INVALID naming
 * the field, so a typo never silently falls back to a default.
 */
export function parseCompactRequest(body: unknown): CompactTarget {
  const where = 'The request body';
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid(
      `${where} must be a JSON object like {"sessionId": "web-session-…", "userId": "…"}; got ${describe(body)}.`,
      'body',
    );
  }
  const source = body as Record<string, unknown>;
  rejectUnknown(source, ['sessionId', 'userId', 'percentage', 'sessionBehavior'], where);
  const target: CompactTarget = {
    sessionId: readId(source, 'sessionId', where),
    userId: readId(source, 'userId', where),
  };
  const percentage = source.percentage;
  if (percentage !== undefined && percentage !== null) {
    if (
      typeof percentage !== 'number' ||
      !Number.isFinite(percentage) ||
      percentage < 0 ||
      percentage > 1
    ) {
      throw invalid(
        `${where} "percentage" must be a number from 0.0 to 1.0 (the share of uncompacted turns to ` +
          `compact), got ${describe(percentage)}.`,
        'percentage',
      );
    }
    target.percentage = percentage;
  }
  const behavior = readBehavior(source, where);
  if (behavior !== undefined) target.sessionBehavior = behavior;
  return target;
}

/**
 * Validates the query of the context-usage and delete endpoints: `sessionId`, `userId` and an optional
 * `sessionBehavior`, each given once; unknown parameters are REQUEST_INVALID.
 */
export function parseSessionQuery(query: Record<string, unknown>): SessionTarget {
  const where = 'The query parameter';
  rejectUnknown(query, ['sessionId', 'userId', 'sessionBehavior'], 'The query string');
  for (const [key, value] of Object.entries(query)) {
    if (typeof value !== 'string') {
      throw invalid(`${where} "${key}" must be given once, as plain text.`, key);
    }
  }
  const target: SessionTarget = {
    sessionId: readId(query, 'sessionId', where),
    userId: readId(query, 'userId', where),
  };
  const behavior = readBehavior(query, where);
  if (behavior !== undefined) target.sessionBehavior = behavior;
  return target;
}
