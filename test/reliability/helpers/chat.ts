import { expect } from 'vitest';
import type { ApiClient } from '../../../packages/gateway/src/testing/test-gateway.js';
import { waitFor } from '../../e2e/helpers/index.js';

/** A task as GET /api/v1/tasks/:id returns it. */
export interface TaskView {
  id: string;
  sessionId: string;
  status: string;
  text: string;
  lastSeq: number;
  error?: string;
}

/** A history message as GET /api/v1/sessions/:id/messages returns it. */
export interface MessageView {
  id: string;
  taskId: string;
  role: 'user' | 'agent';
  text: string;
  status: string;
  error?: string;
  feedback?: { rating: string; comment?: string };
}

const things = ['color', 'pet', 'city', 'car', 'food', 'sport', 'drink', 'book', 'song', 'tree'];

/**
 * A message of ten facts, unique per `index`: the built-in model answers with a sentence per fact, a
 * reply long enough (about 50 words) to be cut mid-stream when the model streams with a delay.
 */
export function factsMessage(index: number): string {
  return things.map((thing) => `My ${thing} is ${thing}${index}.`).join(' ');
}

/** Creates a session with the assistant agent and returns its id. */
export async function createSession(client: ApiClient, name?: string): Promise<string> {
  const created = await client.request('POST', '/api/v1/sessions', {
    agent: 'assistant',
    ...(name ? { name } : {}),
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

/** Sends a message (202) and returns the task id. */
export async function sendMessage(
  client: ApiClient,
  sessionId: string,
  text: string,
): Promise<string> {
  const sent = await client.request('POST', `/api/v1/sessions/${sessionId}/messages`, { text });
  expect(sent.status, JSON.stringify(sent.body)).toBe(202);
  return sent.body.taskId as string;
}

/** Reads a task; throws unless the answer is 200. */
export async function getTask(client: ApiClient, taskId: string): Promise<TaskView> {
  const response = await client.request('GET', `/api/v1/tasks/${taskId}`);
  if (response.status !== 200) {
    throw new Error(
      `GET /tasks/${taskId} answered ${response.status}: ${JSON.stringify(response.body)}`,
    );
  }
  return response.body as TaskView;
}

/** Polls a task until `accept` holds (deadline, no fixed sleep) and returns it. */
export function waitForTask(
  client: ApiClient,
  taskId: string,
  accept: (task: TaskView) => boolean,
  description: string,
  timeoutMs = 30_000,
): Promise<TaskView> {
  return waitFor(
    async () => {
      const task = await getTask(client, taskId);
      return accept(task) && task;
    },
    { timeoutMs, description: `task ${taskId} ${description}`, intervalMs: 25 },
  );
}

/** Polls until the task is no longer running. */
export function waitForFinalTask(
  client: ApiClient,
  taskId: string,
  timeoutMs = 30_000,
): Promise<TaskView> {
  return waitForTask(client, taskId, (task) => task.status !== 'running', 'to finish', timeoutMs);
}

/** Reads a session's whole history, oldest first, following nextBefore. */
export async function readHistory(client: ApiClient, sessionId: string): Promise<MessageView[]> {
  const pages: MessageView[][] = [];
  let before: string | null = null;
  do {
    const query: string = before ? `&before=${encodeURIComponent(before)}` : '';
    const page = await client.request(
      'GET',
      `/api/v1/sessions/${sessionId}/messages?limit=200${query}`,
    );
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    pages.unshift(page.body.messages as MessageView[]);
    before = page.body.nextBefore as string | null;
  } while (before !== null);
  return pages.flat();
}
