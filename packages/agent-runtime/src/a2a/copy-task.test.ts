import { Task, TaskState } from '@a2a-js/sdk';
import { describe, expect, it } from 'vitest';
import { createTextPart } from './a2a-parts.js';
import { copyTask } from './copy-task.js';

function streamedTask(): Task {
  return Task.fromJSON({
    id: 'task-1',
    contextId: 'ctx-1',
    status: { state: TaskState[TaskState.TASK_STATE_WORKING], timestamp: new Date().toISOString() },
    history: [{ messageId: 'm-1', role: 'ROLE_USER', parts: [{ text: 'hello' }] }],
    artifacts: [{ artifactId: 'reply', parts: [{ text: 'one ' }, { text: 'two' }] }],
    metadata: { agent: 'assistant', usage: { inputTokens: 3, outputTokens: 2 } },
  });
}

describe('copyTask', () => {
  it('copies a task exactly like structuredClone does', () => {
    const task = streamedTask();
    expect(copyTask(task)).toStrictEqual(structuredClone(task));
    expect(Task.toJSON(copyTask(task))).toEqual(Task.toJSON(task));
  });

  it('shares no object or array with the original at any depth', () => {
    const task = streamedTask();
    const copy = copyTask(task);
    copy.artifacts[0]?.parts.push(createTextPart('three'));
    copy.history[0]!.parts[0]!.content = { $case: 'text', value: 'changed' };
    (copy.metadata!.usage as { inputTokens: number }).inputTokens = 99;
    copy.status!.state = TaskState.TASK_STATE_COMPLETED;
    expect(task.artifacts[0]?.parts).toHaveLength(2);
    expect(task.history[0]?.parts[0]?.content).toEqual({ $case: 'text', value: 'hello' });
    expect((task.metadata!.usage as { inputTokens: number }).inputTokens).toBe(3);
    expect(task.status?.state).toBe(TaskState.TASK_STATE_WORKING);
  });

  it('keeps undefined fields, copies dates and bytes, and keeps a "__proto__" key as data', () => {
    const value = JSON.parse(
      '{"__proto__": {"polluted": true}, "list": [1, {"a": null}]}',
    ) as Record<string, unknown>;
    Object.assign(value, { missing: undefined, at: new Date(5), bytes: new Uint8Array([1, 2]) });
    const copy = copyTask(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'list', 'missing', 'at', 'bytes']);
    expect(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value).toEqual({ polluted: true });
    expect(copy.list).toEqual([1, { a: null }]);
    expect(copy.list).not.toBe(value.list);
    expect('missing' in copy).toBe(true);
    expect(copy.at).toEqual(new Date(5));
    expect(copy.at).not.toBe(value.at);
    expect(copy.bytes).toEqual(new Uint8Array([1, 2]));
    expect(copy.bytes).not.toBe(value.bytes);
  });
});
