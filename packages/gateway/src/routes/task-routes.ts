import { Router } from 'express';
import type { JSONSchemaType } from 'ajv';
import type { ChatService } from '../chat/chat-service.js';
import { userOf } from '../http/identity.js';
import { compileBodyValidator } from '../http/request-validator.js';
import { taskJson } from './api-json.js';

interface FeedbackBody {
  rating: 'up' | 'down';
  comment?: string;
}

const validateFeedback = compileBodyValidator<FeedbackBody>({
  type: 'object',
  properties: {
    rating: { type: 'string', enum: ['up', 'down'] },
    comment: { type: 'string', maxLength: 10_000, nullable: true },
  },
  required: ['rating'],
  additionalProperties: false,
} satisfies JSONSchemaType<FeedbackBody>);

/** The /tasks routes: state of a reply, cancel, retry and feedback. */
export function createTaskRoutes(chat: ChatService): Router {
  const router = Router();

  router.get('/tasks/:taskId', async (request, response) => {
    response.json(taskJson(await chat.getTask(userOf(request), request.params.taskId)));
  });

  router.post('/tasks/:taskId/cancel', async (request, response) => {
    const task = await chat.cancelTask(userOf(request), request.params.taskId);
    response.json({ taskId: task.id, status: task.status });
  });

  router.post('/tasks/:taskId/retry', async (request, response) => {
    const task = await chat.retryTask(userOf(request), request.params.taskId);
    response
      .status(202)
      .json({ taskId: task.id, sessionId: task.sessionId, retryOf: request.params.taskId });
  });

  router.post('/tasks/:taskId/feedback', async (request, response) => {
    const body = validateFeedback(request.body);
    const feedback = await chat.saveFeedback(userOf(request), request.params.taskId, body);
    response.json({ taskId: feedback.taskId, rating: feedback.rating, comment: feedback.comment });
  });

  return router;
}
