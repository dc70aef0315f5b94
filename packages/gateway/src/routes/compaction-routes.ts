import { Router } from 'express';
import { MeshError } from '@agent-mesh/shared';
import type { ChatService } from '../chat/chat-service.js';
import type { CompactionService } from '../chat/compaction-service.js';
import { userOf } from '../http/identity.js';
import { checkpointJson } from './api-json.js';

/**
 * Reads the optional body of POST /sessions/:id/compact: nothing, `{}` or `{ "percentage": 0.0–1.0 }`.
 * Anything else is REQUEST_INVALID with a message that names the field and the allowed range.
 */
export function readCompactBody(body: unknown): { percentage?: number } {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new MeshError(
      'REQUEST_INVALID',
      'The request body must be a JSON object: {} to use the agent\'s compaction_percentage, or {"percentage": 0.5}.',
      { field: 'body' },
    );
  }
  const source = body as Record<string, unknown>;
  const unknown = Object.keys(source).filter((key) => key !== 'percentage');
  if (unknown.length > 0) {
    throw new MeshError(
      'REQUEST_INVALID',
      `Invalid request body: body must not have the propert${unknown.length === 1 ? 'y' : 'ies'} ${unknown.map((key) => `"${key}"`).join(', ')}; the only one allowed is "percentage".`,
      { field: unknown[0] },
    );
  }
  const percentage = source.percentage;
  if (percentage === undefined) return {};
  if (
    typeof percentage !== 'number' ||
    !Number.isFinite(percentage) ||
    percentage < 0 ||
    percentage > 1
  ) {
    throw new MeshError(
      'REQUEST_INVALID',
      `body.percentage must be a number from 0.0 to 1.0 (the share of the oldest uncompacted turns to summarise, e.g. 0.25); got ${JSON.stringify(percentage)}. Leave it out to use the agent's auto_summarization.compaction_percentage.`,
      { field: 'percentage', value: percentage },
    );
  }
  return { percentage };
}

/**
 * The compaction routes of a session: POST /sessions/:id/compact (the user's "Compress conversation")
 * and GET /sessions/:id/context-usage. Both check that the session is the caller's first.
 */
export function createCompactionRoutes(chat: ChatService, compactions: CompactionService): Router {
  const router = Router();

  router.post('/sessions/:sessionId/compact', async (request, response) => {
    const body = readCompactBody(request.body);
    const session = await chat.getSession(userOf(request), request.params.sessionId);
    const outcome = await compactions.compact(session, body.percentage);
    response.json({
      sessionId: session.id,
      status: outcome.status,
      turnsCompacted: outcome.turnsCompacted,
      tokensBefore: outcome.tokensBefore,
      tokensAfter: outcome.tokensAfter,
      summary: outcome.summary,
      percentage: outcome.percentage,
      ...(outcome.message ? { message: outcome.message } : {}),
      checkpoint: outcome.checkpoint ? checkpointJson(outcome.checkpoint) : null,
    });
  });

  router.get('/sessions/:sessionId/context-usage', async (request, response) => {
    const session = await chat.getSession(userOf(request), request.params.sessionId);
    response.json(await compactions.contextUsage(session));
  });

  return router;
}
