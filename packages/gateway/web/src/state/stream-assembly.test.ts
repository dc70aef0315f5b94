import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '../api/api-types.js';
import { applyTaskEvent, assembleReply, type ReplyFields } from './stream-assembly.js';

const empty: ReplyFields = { text: '', status: 'running', lastSeq: 0 };
const start: TaskEvent = { type: 'message-start', agent: 'assistant' };
const delta = (text: string): TaskEvent => ({ type: 'message-delta', text });

describe('applyTaskEvent', () => {
  it('appends deltas in order and finishes with the full text and usage of message-end', () => {
    const usage = { inputTokens: 10, outputTokens: 3, totalTokens: 13, contextWindow: 4096 };
    const reply = assembleReply(empty, [
      [1, start],
      [2, delta('Hello')],
      [3, delta(', world')],
    ]);
    expect(reply).toMatchObject({ text: 'Hello, world', status: 'running', lastSeq: 3 });
    const done = applyTaskEvent(reply, 4, {
      type: 'message-end',
      status: 'completed',
      text: 'Hello, world!',
      usage,
    });
    expect(done).toMatchObject({ text: 'Hello, world!', status: 'completed', lastSeq: 4, usage });
  });

  it('ignores events it already holds, so a replay after a reconnect adds nothing twice', () => {
    const reply = assembleReply(empty, [
      [1, start],
      [2, delta('one ')],
      [3, delta('two ')],
    ]);
    const replayed = assembleReply(reply, [
      [2, delta('one ')],
      [3, delta('two ')],
      [4, delta('three')],
    ]);
    expect(replayed.text).toBe('one two three');
    expect(replayed.lastSeq).toBe(4);
  });

  it('continues from a partial text loaded from history without repeating it', () => {
    const loaded: ReplyFields = { text: 'The quick ', status: 'running', lastSeq: 3 };
    const reply = assembleReply(loaded, [
      [3, delta('quick ')],
      [4, delta('brown fox')],
    ]);
    expect(reply.text).toBe('The quick brown fox');
  });

  it('rebuilds from scratch when replayed from seq 0 over text of unknown position', () => {
    const loaded: ReplyFields = { text: 'stale partial', status: 'running' };
    const reply = assembleReply(loaded, [
      [1, start],
      [2, delta('fresh')],
    ]);
    expect(reply.text).toBe('fresh');
  });

  it('keeps the partial text when an interrupted end carries none, and records the error', () => {
    const partial = assembleReply(empty, [
      [1, start],
      [2, delta('half an ans')],
    ]);
    const cut = applyTaskEvent(partial, 3, {
      type: 'message-end',
      status: 'interrupted',
      text: '',
      error: 'The agent restarted.',
    });
    expect(cut).toMatchObject({
      text: 'half an ans',
      status: 'interrupted',
      error: 'The agent restarted.',
    });
  });

  it('replaces the text so far when a delta says so', () => {
    const reply = assembleReply(empty, [
      [1, start],
      [2, delta('A first attempt that')],
      [3, { type: 'message-delta', text: 'A second', replace: true }],
      [4, delta(' attempt.')],
    ]);
    expect(reply.text).toBe('A second attempt.');
  });

  it('shows a status note while running and clears it at the end', () => {
    const working = applyTaskEvent(empty, 1, {
      type: 'status-update',
      state: 'working',
      message: 'Asking researcher',
    });
    expect(working.statusNote).toBe('Asking researcher');
    const done = applyTaskEvent(working, 2, {
      type: 'message-end',
      status: 'completed',
      text: 'ok',
    });
    expect(done.statusNote).toBeUndefined();
  });

  it('drops deltas that arrive after the reply ended', () => {
    const done = applyTaskEvent(empty, 1, {
      type: 'message-end',
      status: 'canceled',
      text: 'stop',
    });
    expect(applyTaskEvent(done, 2, delta(' more')).text).toBe('stop');
  });

  it('does not change its input', () => {
    const before = { ...empty };
    applyTaskEvent(empty, 1, delta('x'));
    expect(empty).toEqual(before);
  });
});
