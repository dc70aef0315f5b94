import { randomUUID } from 'node:crypto';
import { Role, TaskState, type Part, type SendMessageRequest } from '@a2a-js/sdk';
import {
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
  type Client,
} from '@a2a-js/sdk/client';

/** The A2A transport a test client should use. */
export type A2aBinding = 'JSONRPC' | 'HTTP+JSON';

/** Creates a standard @a2a-js/sdk client from an agent's URL (its card), preferring one binding. */
export function createA2aClient(
  url: string,
  preferred: A2aBinding = 'JSONRPC',
  token?: string,
): Promise<Client> {
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [
        new JsonRpcTransportFactory({ fetchImpl }),
        new RestTransportFactory({ fetchImpl }),
      ],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
      preferredTransports: [preferred],
    }),
  );
  return factory.createFromUrl(url);
}

/** A reply as a streaming client assembles it. */
export interface StreamedReply {
  taskId: string;
  /** The reply text, built from artifact updates (append = add, otherwise replace). */
  text: string;
  /** How many artifact-update events arrived. */
  chunks: number;
  /** The last task state seen. */
  state: TaskState | undefined;
  /** Metadata of the last status update (the final one carries usage, model, sessionId…). */
  metadata: Record<string, unknown>;
  /** Text of the last status message (set for failures and cancellations). */
  statusText: string;
}

function textOf(parts: readonly Part[] | undefined): string {
  return (parts ?? [])
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .join('');
}

/** Builds a SendMessageRequest for one text message. */
export function textMessageRequest(input: {
  contextId: string;
  text: string;
  messageId?: string;
  metadata?: Record<string, unknown>;
}): SendMessageRequest {
  return {
    tenant: '',
    message: {
      messageId: input.messageId ?? randomUUID(),
      contextId: input.contextId,
      taskId: '',
      role: Role.ROLE_USER,
      parts: [
        {
          content: { $case: 'text', value: input.text },
          metadata: undefined,
          filename: '',
          mediaType: 'text/plain',
        },
      ],
      metadata: input.metadata,
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: undefined,
    metadata: undefined,
  };
}

/**
 * Sends one text message with message/stream and collects the reply; `onEvent` sees each stream event
 * as it arrives (e.g. to cancel after the first chunk).
 */
export async function streamMessage(
  client: Client,
  input: Parameters<typeof textMessageRequest>[0] & {
    onChunk?: (reply: StreamedReply) => void | Promise<void>;
  },
): Promise<StreamedReply> {
  const reply: StreamedReply = {
    taskId: '',
    text: '',
    chunks: 0,
    state: undefined,
    metadata: {},
    statusText: '',
  };
  for await (const event of client.sendMessageStream(textMessageRequest(input))) {
    const payload = event.payload;
    if (payload === undefined) continue;
    switch (payload.$case) {
      case 'task':
        reply.taskId = payload.value.id;
        reply.state = payload.value.status?.state;
        break;
      case 'artifactUpdate': {
        const text = textOf(payload.value.artifact?.parts);
        reply.text = payload.value.append ? reply.text + text : text;
        reply.chunks += 1;
        await input.onChunk?.(reply);
        break;
      }
      case 'statusUpdate':
        reply.taskId ||= payload.value.taskId;
        reply.state = payload.value.status?.state;
        reply.metadata = payload.value.metadata ?? {};
        reply.statusText = textOf(payload.value.status?.message?.parts);
        break;
      case 'message':
        reply.text = textOf(payload.value.parts);
        reply.state = TaskState.TASK_STATE_COMPLETED;
        break;
    }
  }
  return reply;
}
