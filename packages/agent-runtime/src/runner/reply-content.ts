import type { MeshErrorJson } from '@agent-mesh/shared';
import type { ContentPart, EventContent, SessionEvent } from '../sessions/session-service.js';

/**
 * How a stored agent reply ended: `completed` normally, `canceled` by tasks/cancel, `interrupted` by a
 * shutdown (both keep the partial text the user already saw), `failed` when the conversation no longer
 * fits the model (its text is the message the user got; prompts and summaries leave it out).
 */
export type ReplyStatus = 'completed' | 'canceled' | 'interrupted' | 'failed';

/** The data a reply event carries beside its text, kept in a `data` part so every store keeps it as is. */
export interface ReplyData {
  replyStatus: ReplyStatus;
  /** Name of the peer agent that produced the reply, when it was delegated. */
  delegatedTo?: string;
  /** The task id on the peer, for tracing a delegated reply across the two databases. */
  peerTaskId?: string;
  /** Why a `failed` reply failed, as the A2A client received it. */
  error?: MeshErrorJson;
}

/** Builds the content of a user-message event. */
export function createUserContent(text: string): EventContent {
  return { role: 'user', parts: [{ type: 'text', text }] };
}

/** Builds the content of an agent-reply event: the text plus a data part saying how the reply ended. */
export function createReplyContent(text: string, data: ReplyData): EventContent {
  const parts: ContentPart[] = [];
  if (text.length > 0) parts.push({ type: 'text', text });
  parts.push({ type: 'data', data });
  return { role: 'assistant', parts };
}

/** Joins the text parts of an event's content (empty when it has none). */
export function textOf(content: EventContent | null): string {
  if (content === null) return '';
  return content.parts
    .filter((part): part is Extract<ContentPart, { type: 'text' }> => part.type === 'text')
    .map((part) => part.text)
    .join('');
}

/** Reads the reply data of an agent-reply event; undefined for any other event. */
export function replyDataOf(event: SessionEvent): ReplyData | undefined {
  if (event.content?.role !== 'assistant') return undefined;
  for (const part of event.content.parts) {
    if (part.type !== 'data') continue;
    const data = part.data as Partial<ReplyData> | null;
    if (data !== null && typeof data === 'object' && typeof data.replyStatus === 'string') {
      return data as ReplyData;
    }
  }
  return { replyStatus: 'completed' };
}

/**
 * Tells whether an event is a stored failure notice (replyStatus `failed`): shown in the history, but never
 * sent to a model as something the assistant said.
 */
export function isFailedReply(event: SessionEvent): boolean {
  return event.content?.role === 'assistant' && replyDataOf(event)?.replyStatus === 'failed';
}
