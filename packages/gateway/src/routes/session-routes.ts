import { Router } from 'express';
import type { JSONSchemaType } from 'ajv';
import { MeshError } from '@agent-mesh/shared';
import type { ChatService } from '../chat/chat-service.js';
import { decodeCursor, encodeCursor } from '../http/cursor.js';
import { userOf } from '../http/identity.js';
import {
  compileBodyValidator,
  readIntegerQuery,
  readStringQuery,
} from '../http/request-validator.js';
import { historyJson, sessionJson, taskJson } from './api-json.js';

interface CreateSessionBody {
  agent: string;
  name?: string;
}

interface RenameSessionBody {
  name: string;
}

interface SendMessageBody {
  text: string;
  clientMessageId?: string;
}

const validateCreateSession = compileBodyValidator<CreateSessionBody>({
  type: 'object',
  properties: {
    agent: { type: 'string', minLength: 1, maxLength: 100 },
    name: { type: 'string', maxLength: 200, nullable: true },
  },
  required: ['agent'],
  additionalProperties: false,
} satisfies JSONSchemaType<CreateSessionBody>);

const validateRenameSession = compileBodyValidator<RenameSessionBody>({
  type: 'object',
  properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['name'],
  additionalProperties: false,
} satisfies JSONSchemaType<RenameSessionBody>);

const validateSendMessage = compileBodyValidator<SendMessageBody>({
  type: 'object',
  properties: {
    text: { type: 'string', minLength: 1 },
    clientMessageId: { type: 'string', minLength: 1, maxLength: 200, nullable: true },
  },
  required: ['text'],
  additionalProperties: false,
} satisfies JSONSchemaType<SendMessageBody>);

/** The /sessions routes: create, list, get, rename, delete, history and sending a message. */
export function createSessionRoutes(chat: ChatService): Router {
  const router = Router();

  router.post('/sessions', async (request, response) => {
    const body = validateCreateSession(request.body);
    const session = await chat.createSession(userOf(request), body);
    response.status(201).json(sessionJson(session));
  });

  router.get('/sessions', async (request, response) => {
    const limit = readIntegerQuery(request.query.limit, 'limit', {
      min: 1,
      max: 100,
      fallback: 20,
    });
    const cursor = readStringQuery(request.query.cursor, 'cursor');
    const after = cursor ? decodeCursor(cursor, 'cursor') : undefined;
    const page = await chat.listSessions(
      userOf(request),
      limit,
      after ? { updatedAt: after.time, id: after.id } : undefined,
    );
    response.json({
      sessions: page.sessions.map(sessionJson),
      nextCursor: page.next ? encodeCursor({ time: page.next.updatedAt, id: page.next.id }) : null,
    });
  });

  router.get('/sessions/:sessionId', async (request, response) => {
    response.json(sessionJson(await chat.getSession(userOf(request), request.params.sessionId)));
  });

  router.patch('/sessions/:sessionId', async (request, response) => {
    const body = validateRenameSession(request.body);
    response.json(
      sessionJson(await chat.renameSession(userOf(request), request.params.sessionId, body.name)),
    );
  });

  router.delete('/sessions/:sessionId', async (request, response) => {
    const sessionId = request.params.sessionId;
    const outcome = await chat.deleteSession(userOf(request), sessionId);
    response.status(200).json({ sessionId, deleted: true, ...outcome });
  });

  router.get('/sessions/:sessionId/messages', async (request, response) => {
    const limit = readIntegerQuery(request.query.limit, 'limit', {
      min: 2,
      max: 200,
      fallback: 50,
    });
    const cursor = readStringQuery(request.query.before, 'before');
    const before = cursor ? decodeCursor(cursor, 'before') : undefined;
    const page = await chat.listMessages(
      userOf(request),
      request.params.sessionId,
      limit,
      before ? { createdAt: before.time, id: before.id } : undefined,
    );
    response.json({
      messages: historyJson(page.tasks, page.compactions, page.feedback),
      nextBefore: page.before
        ? encodeCursor({ time: page.before.createdAt, id: page.before.id })
        : null,
    });
  });

  router.post('/sessions/:sessionId/messages', async (request, response) => {
    const body = validateSendMessage(request.body);
    const user = userOf(request);
    const wait = readStringQuery(request.query.wait, 'wait');
    if (wait !== undefined && wait !== 'true' && wait !== 'false') {
      throw new MeshError(
        'REQUEST_INVALID',
        `Query parameter "wait" must be true or false; got "${wait}".`,
        {
          parameter: 'wait',
        },
      );
    }
    const { task } = await chat.sendMessage(user, request.params.sessionId, body);
    if (wait === 'true') {
      const finished = await chat.waitForTask(user, task.id);
      const json = taskJson(finished);
      response.status(200).json({
        taskId: json.id,
        sessionId: json.sessionId,
        status: json.status,
        text: json.text,
        ...(json.usage ? { usage: json.usage } : {}),
        ...(json.error ? { error: json.error } : {}),
      });
      return;
    }
    response.status(202).json({ taskId: task.id, sessionId: task.sessionId });
  });

  return router;
}
