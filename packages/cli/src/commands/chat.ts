import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
// Types only: the A2A SDK is loaded when a chat starts, so registering the command costs nothing.
import type { Part, SendMessageRequest, TaskState } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { MeshError } from '@agent-mesh/shared';

/** Options of `agent-mesh chat`. */
export interface ChatOptions {
  /** The agent's base URL (its card is read from /.well-known/agent-card.json). */
  agent: string;
  /** Resume this session (the A2A contextId); a new one is made when absent. */
  session?: string;
  /** Sent as message metadata `userId` (default: the agent's `anonymous`). */
  user?: string;
  /** Bearer token for agents with agent.auth.token (default: AGENT_MESH_TOKEN). */
  token?: string;
  input: Readable;
  output: Writable;
  /** Session and error lines go here, so `output` holds replies only. */
  errorOutput: Writable;
  /** Show a `you>` prompt (for terminals). */
  interactive: boolean;
}

/** What a chat ended with. */
export interface ChatSummary {
  sessionId: string;
  turns: number;
  failures: number;
}

function textOf(parts: readonly Part[] | undefined): string {
  return (parts ?? [])
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .join('');
}

async function createClient(url: string, token: string | undefined): Promise<Client> {
  const {
    ClientFactory,
    ClientFactoryOptions,
    DefaultAgentCardResolver,
    JsonRpcTransportFactory,
    RestTransportFactory,
  } = await import('@a2a-js/sdk/client');
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [
        new JsonRpcTransportFactory({ fetchImpl, legacyCompat: { enabled: true } }),
        new RestTransportFactory({ fetchImpl, legacyCompat: { enabled: true } }),
      ],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl, legacyCompat: { enabled: true } }),
    }),
  );
  return factory.createFromUrl(url);
}

/** Streams one reply to `output`, returning false when the turn failed. */
async function sendOne(
  client: Client,
  text: string,
  options: ChatOptions,
  sessionId: string,
  signal: AbortSignal,
): Promise<boolean> {
  const sdk = await import('@a2a-js/sdk');
  const request: SendMessageRequest = {
    tenant: '',
    message: {
      messageId: randomUUID(),
      contextId: sessionId,
      taskId: '',
      role: sdk.Role.ROLE_USER,
      parts: [
        {
          content: { $case: 'text', value: text },
          metadata: undefined,
          filename: '',
          mediaType: 'text/plain',
        },
      ],
      metadata: options.user ? { userId: options.user } : undefined,
      extensions: [],
      referenceTaskIds: [],
    },
    configuration: undefined,
    metadata: undefined,
  };
  let printed = '';
  let state: TaskState | undefined;
  let problem = '';
  const write = (chunk: string): void => {
    options.output.write(chunk);
    printed += chunk;
  };
  for await (const event of client.sendMessageStream(request, { signal })) {
    const payload = event.payload;
    if (payload === undefined) continue;
    switch (payload.$case) {
      case 'artifactUpdate': {
        const chunk = textOf(payload.value.artifact?.parts);
        if (payload.value.append) write(chunk);
        else if (chunk.startsWith(printed)) write(chunk.slice(printed.length));
        else {
          // The agent restarted its reply (a retried model call): start a fresh line.
          options.output.write('\n');
          printed = '';
          write(chunk);
        }
        break;
      }
      case 'statusUpdate': {
        state = payload.value.status?.state;
        const error = payload.value.metadata?.error as { message?: string } | undefined;
        problem = error?.message ?? textOf(payload.value.status?.message?.parts);
        break;
      }
      case 'message':
        write(textOf(payload.value.parts));
        state = sdk.TaskState.TASK_STATE_COMPLETED;
        break;
      case 'task':
        state = payload.value.status?.state;
        break;
    }
  }
  if (printed !== '') options.output.write('\n');
  if (state === sdk.TaskState.TASK_STATE_COMPLETED) return true;
  const what = state === sdk.TaskState.TASK_STATE_CANCELED ? 'canceled' : 'failed';
  options.errorOutput.write(`agent-mesh: the reply ${what}${problem ? `: ${problem}` : ''}\n`);
  return false;
}

/**
 * Chats with one agent over A2A: one message per input line, each reply streamed to `output` as it
 * arrives. Prints the session id (the contextId) to resume with at the start and at the end. Works with a
 * terminal and with piped input (it ends at end of input).
 */
export async function runChat(options: ChatOptions): Promise<ChatSummary> {
  const sessionId = options.session ?? `cli-session-${randomUUID()}`;
  let client: Client;
  try {
    client = await createClient(options.agent, options.token);
  } catch (error) {
    throw new MeshError(
      'AGENT_UNAVAILABLE',
      `Cannot reach the agent at ${options.agent}: ${(error as Error).message}. Check the URL and that the agent runs.`,
      { url: options.agent },
      { cause: error },
    );
  }
  const resume = `agent-mesh chat --agent ${options.agent} --session ${sessionId}${options.user ? ` --user ${options.user}` : ''}`;
  const card = await client.getAgentCard();
  options.errorOutput.write(
    `Chatting with agent "${card.name}" at ${options.agent} in session ${sessionId}\n`,
  );
  options.errorOutput.write(`Resume with: ${resume}\n`);

  const lines = createInterface({ input: options.input, terminal: false });
  const summary: ChatSummary = { sessionId, turns: 0, failures: 0 };
  let current: AbortController | undefined;
  const onInterrupt = (): void => {
    if (current !== undefined) current.abort();
    else lines.close();
  };
  process.on('SIGINT', onInterrupt);
  try {
    if (options.interactive) options.output.write('you> ');
    for await (const raw of lines) {
      const text = raw.trim();
      if (text === '/exit' || text === '/quit') break;
      if (text !== '') {
        current = new AbortController();
        summary.turns += 1;
        try {
          if (!(await sendOne(client, text, options, sessionId, current.signal)))
            summary.failures += 1;
        } catch (error) {
          summary.failures += 1;
          const message = current.signal.aborted ? 'stopped' : (error as Error).message;
          options.errorOutput.write(`agent-mesh: ${message}\n`);
        } finally {
          current = undefined;
        }
      }
      if (options.interactive) options.output.write('you> ');
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    lines.close();
  }
  options.errorOutput.write(`Session ${sessionId} — resume with: ${resume}\n`);
  return summary;
}

/** Registers `agent-mesh chat --agent <url> [--session <id>] [--user <id>]`. */
export function registerChatCommand(program: Command): void {
  program
    .command('chat')
    .description(
      'Chat with one agent over A2A in the terminal (or from piped input, one message per line).',
    )
    .requiredOption('-a, --agent <url>', 'the agent URL, e.g. http://127.0.0.1:8101')
    .option('-s, --session <id>', 'resume a session (its id is printed at start and exit)')
    .option('-u, --user <id>', 'user id sent in message metadata')
    .option(
      '--token <token>',
      'bearer token for an agent with auth.token (default: $AGENT_MESH_TOKEN)',
    )
    .action(async (options: { agent: string; session?: string; user?: string; token?: string }) => {
      const token = options.token ?? process.env.AGENT_MESH_TOKEN;
      const summary = await runChat({
        agent: options.agent,
        ...(options.session ? { session: options.session } : {}),
        ...(options.user ? { user: options.user } : {}),
        ...(token ? { token } : {}),
        input: process.stdin,
        output: process.stdout,
        errorOutput: process.stderr,
        interactive: process.stdin.isTTY === true,
      });
      if (summary.failures > 0) process.exitCode = 1;
    });
}
