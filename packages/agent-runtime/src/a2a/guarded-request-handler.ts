import type { AgentCard, Message, SendMessageRequest, StreamResponse, Task } from '@a2a-js/sdk';
import { RequestMalformedError } from '@a2a-js/sdk/errors';
import type { A2ARequestHandler, ServerCallContext } from '@a2a-js/sdk/server';
import { isMeshError } from '@agent-mesh/shared';
import type { Runner } from '../runner/runner.js';
import { messageBytes, textOfMessage, turnMetadataOf } from './a2a-parts.js';

const placeholderId = '00000000-0000-0000-0000-000000000000';

type Params<K extends keyof A2ARequestHandler> = Parameters<A2ARequestHandler[K]>[0];

/**
 * Wraps the SDK's request handler so a message is checked before a task exists: too large, no text,
 * bad `userId`/`sessionBehavior` metadata each come back as an A2A invalid-params error that says what
 * is wrong (JSON-RPC -32602, HTTP 400 on REST), with nothing stored.
 */
export class GuardedRequestHandler implements A2ARequestHandler {
  constructor(
    private readonly inner: A2ARequestHandler,
    private readonly runner: Runner,
    private readonly maxMessageBytes: number,
  ) {}

  private check(params: SendMessageRequest): void {
    const message = params.message;
    if (message === undefined) return; // the inner handler rejects it with its own message
    const bytes = messageBytes(message);
    if (bytes > this.maxMessageBytes) {
      throw new RequestMalformedError({
        message:
          `The message is ${bytes} bytes; agent "${this.runner.appName}" accepts at most ${this.maxMessageBytes} ` +
          'bytes (limits.max_message_bytes). Send a shorter message or raise the limit.',
        metadata: {
          meshCode: 'PAYLOAD_TOO_LARGE',
          bytes: String(bytes),
          limit: String(this.maxMessageBytes),
        },
      });
    }
    try {
      this.runner.validate({
        // The handler assigns missing ids later (UUIDs); a placeholder of the same length checks the rest.
        contextId: message.contextId || placeholderId,
        taskId: message.taskId || placeholderId,
        messageId: message.messageId,
        text: textOfMessage(message),
        metadata: turnMetadataOf(params),
      });
    } catch (error) {
      if (!isMeshError(error)) throw error;
      throw new RequestMalformedError({
        message: error.message,
        metadata: { meshCode: error.code },
      });
    }
  }

  getAgentCard(): Promise<AgentCard> {
    return this.inner.getAgentCard();
  }

  getAuthenticatedExtendedAgentCard(
    params: Params<'getAuthenticatedExtendedAgentCard'>,
    context: ServerCallContext,
  ): Promise<AgentCard> {
    return this.inner.getAuthenticatedExtendedAgentCard(params, context);
  }

  async sendMessage(
    params: SendMessageRequest,
    context: ServerCallContext,
  ): Promise<Message | Task> {
    this.check(params);
    return this.inner.sendMessage(params, context);
  }

  async *sendMessageStream(
    params: SendMessageRequest,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    this.check(params);
    yield* this.inner.sendMessageStream(params, context);
  }

  getTask(
    params: Params<'getTask'>,
    context: ServerCallContext,
  ): ReturnType<A2ARequestHandler['getTask']> {
    return this.inner.getTask(params, context);
  }

  cancelTask(
    params: Params<'cancelTask'>,
    context: ServerCallContext,
  ): ReturnType<A2ARequestHandler['cancelTask']> {
    return this.inner.cancelTask(params, context);
  }

  listTasks(
    params: Params<'listTasks'>,
    context: ServerCallContext,
  ): ReturnType<A2ARequestHandler['listTasks']> {
    return this.inner.listTasks(params, context);
  }

  createTaskPushNotificationConfig(
    params: Params<'createTaskPushNotificationConfig'>,
    context: ServerCallContext,
  ): ReturnType<A2ARequestHandler['createTaskPushNotificationConfig']> {
    return this.inner.createTaskPushNotificationConfig(params, context);
  }

  getTaskPushNotificationConfig(
    params: Params<'getTaskPushNotificationConfig'>,
    context: ServerCallContext,
  ): ReturnType<A2ARequestHandler['getTaskPushNotificationConfig']> {
    return this.inner.getTaskPushNotificationConfig(params, context);
  }

  listTaskPushNotificationConfigs(
    params: Params<'listTaskPushNotificationConfigs'>,
    context: ServerCallContext,
  ): ReturnType<A2ARequestHandler['listTaskPushNotificationConfigs']> {
    return this.inner.listTaskPushNotificationConfigs(params, context);
  }

  deleteTaskPushNotificationConfig(
    params: Params<'deleteTaskPushNotificationConfig'>,
    context: ServerCallContext,
  ): Promise<void> {
    return this.inner.deleteTaskPushNotificationConfig(params, context);
  }

  resubscribe(
    params: Params<'resubscribe'>,
    context: ServerCallContext,
  ): AsyncGenerator<StreamResponse, void, undefined> {
    return this.inner.resubscribe(params, context);
  }
}
