import { Task, TaskState } from '@a2a-js/sdk';
import { ServerCallContext } from '@a2a-js/sdk/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, openDatabase, type AgentDatabase } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { createTextPart } from './a2a-parts.js';
import { SqlTaskStore } from './sql-task-store.js';

const logger = createLogger('task-store-test', { level: 'silent' });
const context = new ServerCallContext();

function task(id: string, state: TaskState, text = ''): Task {
  return Task.fromJSON({
    id,
    contextId: 'ctx-1',
    status: { state: TaskState[state], timestamp: new Date().toISOString() },
    artifacts: text === '' ? [] : [{ artifactId: 'reply', parts: [{ text }] }],
    metadata: { agent: 'assistant' },
  });
}

async function storedState(database: AgentDatabase, id: string): Promise<string | undefined> {
  const row = await database.client.a2aTask.findUnique({ where: { id } });
  return row === null
    ? undefined
    : (JSON.parse(row.data) as { status: { state: string } }).status.state;
}

describe.each(['sqlite', 'postgresql'] as const)('SqlTaskStore on %s', (provider) => {
  let testDatabase: TestDatabase;
  let database: AgentDatabase;

  beforeAll(async () => {
    testDatabase = await createTestDatabase(provider);
    database = await openDatabase({ url: testDatabase.url, schema: 'agent', logger });
  });
  afterAll(async () => {
    await database.close();
    await testDatabase.drop();
  });

  it('keeps tasks across store instances (a restart), scoped by app name', async () => {
    const first = new SqlTaskStore(database.driver, 'assistant', { logger });
    await first.save(
      task('task-restart', TaskState.TASK_STATE_COMPLETED, 'Your favorite color is blue.'),
      context,
    );
    const second = new SqlTaskStore(database.driver, 'assistant', { logger });
    const loaded = await second.load('task-restart', context);
    expect(loaded?.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(loaded?.artifacts[0]?.parts[0]?.content).toEqual({
      $case: 'text',
      value: 'Your favorite color is blue.',
    });
    expect(loaded?.metadata).toEqual({ agent: 'assistant' });
    const other = new SqlTaskStore(database.driver, 'other', { logger });
    expect(await other.load('task-restart', context)).toBeUndefined();
  });

  it('writes state changes at once and coalesces streamed chunks until the next flush', async () => {
    const store = new SqlTaskStore(database.driver, 'assistant', {
      logger,
      flushDelayMs: 60_000,
    });
    await store.save(task('task-stream', TaskState.TASK_STATE_WORKING), context);
    expect(await storedState(database, 'task-stream')).toBe('TASK_STATE_WORKING');

    const streaming = task('task-stream', TaskState.TASK_STATE_WORKING, 'Hello');
    await store.save(streaming, context);
    streaming.artifacts[0]?.parts.push(createTextPart(' world'));
    await store.save(streaming, context);
    // Chunks are served from memory right away, before they reach the database.
    expect((await store.load('task-stream', context))?.artifacts[0]?.parts).toHaveLength(2);
    const row = await database.client.a2aTask.findUnique({ where: { id: 'task-stream' } });
    expect(row?.data).not.toContain('world');

    await store.save(task('task-stream', TaskState.TASK_STATE_COMPLETED, 'Hello world'), context);
    expect(await storedState(database, 'task-stream')).toBe('TASK_STATE_COMPLETED');
  });

  it('writes a submitted task with the state that follows it', async () => {
    const store = new SqlTaskStore(database.driver, 'assistant', {
      logger,
      flushDelayMs: 60_000,
    });
    await store.save(task('task-submitted', TaskState.TASK_STATE_SUBMITTED), context);
    expect(await storedState(database, 'task-submitted')).toBeUndefined();
    expect((await store.load('task-submitted', context))?.status?.state).toBe(
      TaskState.TASK_STATE_SUBMITTED,
    );
    await store.save(task('task-submitted', TaskState.TASK_STATE_WORKING), context);
    expect(await storedState(database, 'task-submitted')).toBe('TASK_STATE_WORKING');
    await store.flushAll();
  });

  it('reads nothing for a task it was told is being created', async () => {
    let queries = 0;
    const driver = database.driver;
    const counting = new Proxy(driver, {
      get: (target, key, receiver) =>
        key === 'query'
          ? (...args: Parameters<typeof driver.query>) => {
              queries += 1;
              return driver.query(...args);
            }
          : Reflect.get(target, key, receiver),
    });
    const store = new SqlTaskStore(counting, 'assistant', { logger, flushDelayMs: 60_000 });
    store.expectNew('task-new');
    expect(await store.load('task-new', context)).toBeUndefined();
    expect(queries).toBe(0);
    await store.save(task('task-new', TaskState.TASK_STATE_WORKING), context);
    await store.save(task('task-new', TaskState.TASK_STATE_COMPLETED), context);
    // Once saved it is an ordinary task, read from the database when not running.
    expect((await store.load('task-new', context))?.status?.state).toBe(
      TaskState.TASK_STATE_COMPLETED,
    );
    expect(queries).toBe(1);
  });

  it('writes pending chunks on flushAll', async () => {
    const store = new SqlTaskStore(database.driver, 'assistant', {
      logger,
      flushDelayMs: 60_000,
    });
    await store.save(task('task-flush', TaskState.TASK_STATE_WORKING), context);
    await store.save(task('task-flush', TaskState.TASK_STATE_WORKING, 'partial'), context);
    await store.flushAll();
    const row = await database.client.a2aTask.findUnique({ where: { id: 'task-flush' } });
    expect(row?.data).toContain('partial');
  });

  it('returns a copy, so callers cannot change what it holds', async () => {
    const store = new SqlTaskStore(database.driver, 'assistant', {
      logger,
      flushDelayMs: 60_000,
    });
    await store.save(task('task-copy', TaskState.TASK_STATE_WORKING, 'one'), context);
    const loaded = await store.load('task-copy', context);
    loaded?.artifacts[0]?.parts.push(createTextPart('two'));
    expect((await store.load('task-copy', context))?.artifacts[0]?.parts).toHaveLength(1);
    await store.flushAll();
  });

  it('lists the tasks of a context, filtered by state', async () => {
    const store = new SqlTaskStore(database.driver, 'lister', { logger });
    await store.save(task('list-1', TaskState.TASK_STATE_COMPLETED), context);
    await store.save(task('list-2', TaskState.TASK_STATE_FAILED), context);
    const all = await store.list(
      {
        tenant: '',
        contextId: 'ctx-1',
        status: TaskState.TASK_STATE_UNSPECIFIED,
        pageToken: '',
        statusTimestampAfter: undefined,
      },
      context,
    );
    expect(all.tasks.map((item) => item.id).sort()).toEqual(['list-1', 'list-2']);
    const failed = await store.list(
      {
        tenant: '',
        contextId: '',
        status: TaskState.TASK_STATE_FAILED,
        pageToken: '',
        statusTimestampAfter: undefined,
      },
      context,
    );
    expect(failed.tasks.map((item) => item.id)).toEqual(['list-2']);
  });
});
