import { TaskState } from '@a2a-js/sdk';
import { createWebSessionId, type ContextUsageResponse } from '@agent-mesh/shared';
import { lockerConversation } from '@agent-mesh/agent-runtime/testing';
import { expect } from 'vitest';
import { createA2aClient, streamMessage, type StreamedReply } from './a2a-client.js';
import { callAgentManagement, type ManagementAnswer } from './agent-management.js';
import { startAgentProcess, type AgentProcess } from './agent-process.js';

const filler =
  'I am writing this down so that we can come back to it much later in this chat. It is a long ' +
  'note, full of words, that only exists to make the conversation longer than the window allows.';

/** Turn 1 states a fact, 38 turns fill the window many times over, turn 40 asks for the fact. */
export const fortyTurns = lockerConversation(38, filler);

/**
 * Sends the forty turns as user `ada` in a new session, SIGKILLing the agent and starting it again before
 * turn 21; expects every turn to complete. Returns the agent now running, the session and the replies.
 */
export async function chatFortyTurnsAcrossKill(
  fixture: string,
  env: Record<string, string>,
): Promise<{ agent: AgentProcess; contextId: string; replies: StreamedReply[] }> {
  const contextId = createWebSessionId();
  let agent = await startAgentProcess(fixture, { env });
  let client = await createA2aClient(agent.url);
  const replies: StreamedReply[] = [];
  for (const [index, text] of fortyTurns.entries()) {
    if (index === 20) {
      await agent.kill('SIGKILL');
      agent = await startAgentProcess(fixture, { env });
      client = await createA2aClient(agent.url);
    }
    const reply = await streamMessage(client, { contextId, text, metadata: { userId: 'ada' } });
    expect(reply.state, `turn ${index + 1}: ${reply.statusText}`).toBe(
      TaskState.TASK_STATE_COMPLETED,
    );
    replies.push(reply);
  }
  return { agent, contextId, replies };
}

/** Ada's context usage from the agent, and the input tokens of the last reply's last model call. */
export async function contextUsageAfter(
  agent: AgentProcess,
  contextId: string,
  replies: readonly StreamedReply[],
): Promise<{ usage: ManagementAnswer<ContextUsageResponse>; lastInputTokens?: number }> {
  const usage = await callAgentManagement<ContextUsageResponse>(
    agent.url,
    'GET',
    '/sessions/context-usage',
    { query: { sessionId: contextId, userId: 'ada' } },
  );
  const calls = (replies.at(-1)?.metadata.usage as { calls: Array<{ inputTokens: number }> }).calls;
  return { usage, lastInputTokens: calls.at(-1)?.inputTokens };
}
