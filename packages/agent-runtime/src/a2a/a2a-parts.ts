import type { Message, Part, SendMessageRequest } from '@a2a-js/sdk';

/** Builds an A2A text part. */
export function createTextPart(text: string): Part {
  return {
    content: { $case: 'text', value: text },
    metadata: undefined,
    filename: '',
    mediaType: 'text/plain',
  };
}

/** Joins the text parts of an A2A message (several parts are separated by a newline). */
export function textOfMessage(message: Pick<Message, 'parts'> | undefined): string {
  if (message === undefined) return '';
  return message.parts
    .map((part) => (part.content?.$case === 'text' ? part.content.value : undefined))
    .filter((text): text is string => text !== undefined)
    .join('\n');
}

/** Joins the text parts of any list of A2A parts (an artifact's, for instance). */
export function textOfParts(parts: readonly Part[] | undefined): string {
  return (parts ?? [])
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .join('');
}

/** Counts the bytes a message carries in its parts (text as UTF-8, files, JSON data), for the size limit. */
export function messageBytes(message: Pick<Message, 'parts'> | undefined): number {
  if (message === undefined) return 0;
  let bytes = 0;
  for (const part of message.parts) {
    const content = part.content;
    if (content === undefined) continue;
    switch (content.$case) {
      case 'text':
      case 'url':
        bytes += Buffer.byteLength(content.value, 'utf8');
        break;
      case 'raw':
        bytes += content.value.length;
        break;
      case 'data':
        bytes += Buffer.byteLength(JSON.stringify(content.value) ?? '', 'utf8');
        break;
    }
  }
  return bytes;
}

/**
 * The metadata the runner reads for a message: the message's own metadata, over the request's (clients
 * differ in where they put `userId` and `sessionBehavior`).
 */
export function turnMetadataOf(
  request: Pick<SendMessageRequest, 'metadata' | 'message'>,
): Record<string, unknown> {
  return { ...(request.metadata ?? {}), ...(request.message?.metadata ?? {}) };
}
