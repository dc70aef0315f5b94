/** A message of the gateway's WebSocket protocol, as far as a streamed reply needs it. */
export interface SocketMessage {
  type: string;
  taskId?: string;
  seq?: number;
  event?: { type: string; text?: string; replace?: boolean; status?: string };
  code?: string;
  message?: string;
}

/** How a streamed reply ended, once it has. */
export interface ReplyOutcome {
  status: string;
  /** True when the deltas, applied in order, give the final text (and the reply completed). */
  correct: boolean;
  detail?: string;
}

/**
 * Follows one reply on a WebSocket (`task-event`s of one task, as docs/api.md describes): counts the
 * deltas, applies them (append, or replace), and on `message-end` checks the result against its text.
 */
export class ReplyStream {
  deltas = 0;
  private text = '';
  private lastSeq = 0;
  private gapOrRepeat = false;
  private ending: ReplyOutcome | undefined;

  /** True once a delta arrived and the reply has not ended: the stream is open and busy. */
  get streaming(): boolean {
    return this.deltas > 0 && this.ending === undefined;
  }

  get outcome(): ReplyOutcome | undefined {
    return this.ending;
  }

  /** Takes the next message of the socket; messages of other tasks are ignored. */
  receive(message: SocketMessage, taskId: string): void {
    if (this.ending !== undefined || message.taskId !== taskId) return;
    if (message.type === 'error') {
      this.ending = {
        status: 'error',
        correct: false,
        detail: `${message.code ?? ''} ${message.message ?? ''}`.trim(),
      };
      return;
    }
    if (message.type !== 'task-event' || message.event === undefined) return;
    if (message.seq !== this.lastSeq + 1) this.gapOrRepeat = true;
    this.lastSeq = message.seq ?? this.lastSeq;
    const { event } = message;
    if (event.type === 'message-delta') {
      this.deltas += 1;
      this.text = event.replace === true ? (event.text ?? '') : this.text + (event.text ?? '');
    } else if (event.type === 'message-end') {
      this.ending = this.judge(event.status ?? 'unknown', event.text ?? '');
    }
  }

  /** Ends a reply that never got its `message-end` (socket closed, timeout). */
  fail(detail: string): void {
    this.ending ??= { status: 'unfinished', correct: false, detail };
  }

  private judge(status: string, finalText: string): ReplyOutcome {
    if (status !== 'completed') return { status, correct: false, detail: `ended ${status}` };
    if (this.gapOrRepeat) return { status, correct: false, detail: 'seq gap or repeat' };
    if (finalText === '' || this.text !== finalText) {
      return { status, correct: false, detail: 'the deltas do not add up to the final text' };
    }
    return { status, correct: true };
  }
}
