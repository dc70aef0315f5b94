import { describe, expect, it } from 'vitest';
import { ReplyStream, type SocketMessage } from './reply-stream.js';

const taskId = 'task-1';

function event(seq: number, body: NonNullable<SocketMessage['event']>): SocketMessage {
  return { type: 'task-event', taskId, seq, event: body };
}

describe('ReplyStream', () => {
  it('is streaming from the first delta to the end, and checks the deltas against the final text', () => {
    const stream = new ReplyStream();
    stream.receive(event(1, { type: 'message-start' }), taskId);
    expect(stream.streaming).toBe(false);
    stream.receive(event(2, { type: 'message-delta', text: 'You ' }), taskId);
    expect(stream.streaming).toBe(true);
    stream.receive(event(3, { type: 'message-delta', text: 'said: hi' }), taskId);
    stream.receive(
      event(4, { type: 'message-end', status: 'completed', text: 'You said: hi' }),
      taskId,
    );
    expect(stream.streaming).toBe(false);
    expect(stream.deltas).toBe(2);
    expect(stream.outcome).toEqual({ status: 'completed', correct: true });
  });

  it('applies a replacing delta', () => {
    const stream = new ReplyStream();
    stream.receive(event(1, { type: 'message-delta', text: 'lost ' }), taskId);
    stream.receive(event(2, { type: 'message-delta', text: 'kept', replace: true }), taskId);
    stream.receive(event(3, { type: 'message-end', status: 'completed', text: 'kept' }), taskId);
    expect(stream.outcome?.correct).toBe(true);
  });

  it('ignores other tasks and other message types', () => {
    const stream = new ReplyStream();
    stream.receive({ ...event(1, { type: 'message-delta', text: 'x' }), taskId: 'other' }, taskId);
    stream.receive({ type: 'subscribed', taskId }, taskId);
    stream.receive({ type: 'pong' }, taskId);
    expect(stream.deltas).toBe(0);
    expect(stream.outcome).toBeUndefined();
  });

  it('marks a failed reply, a gap in seq, or deltas that miss the final text as incorrect', () => {
    const failed = new ReplyStream();
    failed.receive(event(1, { type: 'message-end', status: 'failed', text: '' }), taskId);
    expect(failed.outcome).toEqual({ status: 'failed', correct: false, detail: 'ended failed' });

    const gap = new ReplyStream();
    gap.receive(event(1, { type: 'message-delta', text: 'a' }), taskId);
    gap.receive(event(3, { type: 'message-end', status: 'completed', text: 'a' }), taskId);
    expect(gap.outcome?.detail).toBe('seq gap or repeat');

    const short = new ReplyStream();
    short.receive(event(1, { type: 'message-delta', text: 'a' }), taskId);
    short.receive(event(2, { type: 'message-end', status: 'completed', text: 'ab' }), taskId);
    expect(short.outcome?.detail).toBe('the deltas do not add up to the final text');
  });

  it('ends on an error of its task or when failed, keeping the first ending', () => {
    const errored = new ReplyStream();
    errored.receive({ type: 'error', taskId, code: 'TASK_NOT_FOUND', message: 'gone' }, taskId);
    expect(errored.outcome).toEqual({
      status: 'error',
      correct: false,
      detail: 'TASK_NOT_FOUND gone',
    });
    errored.fail('timeout');
    expect(errored.outcome?.status).toBe('error');

    const unfinished = new ReplyStream();
    unfinished.fail('the socket closed');
    expect(unfinished.outcome).toEqual({
      status: 'unfinished',
      correct: false,
      detail: 'the socket closed',
    });
  });
});
