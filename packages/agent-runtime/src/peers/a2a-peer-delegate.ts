import { Role, TaskState, type AgentCard, type Part, type SendMessageRequest } from '@a2a-js/sdk';
import {
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
  type Client,
} from '@a2a-js/sdk/client';
import { MeshError, isMeshError, type AgentPeerConfig, type Logger } from '@agent-mesh/shared';
import type { Delegation, DelegationResult, PeerDelegate } from '../runner/runner-types.js';
import type { TurnUsage } from '../runner/turn-usage.js';
import { createTextPart, textOfMessage, textOfParts } from '../a2a/a2a-parts.js';
import { parseDelegation } from './parse-delegation.js';

/** A peer as configured: a name, a URL, or both. */
interface PeerEntry {
  name: string | undefined;
  url: string | undefined;
}

/** What an A2aPeerDelegate needs. */
export interface A2aPeerDelegateOptions {
  /** The `peers:` list of the agent's YAML. */
  peers: readonly AgentPeerConfig[];
  /** URLs for peers given by bare name (e.g. from a launcher that knows every agent). */
  peerUrls?: Readonly<Record<string, string>>;
  /** The delegating agent's name, sent along in metadata. */
  selfName: string;
  /** The shared A2A token (agent.auth.token), sent as a bearer token to peers; empty = none. */
  token: string;
  /** Time limit for fetching a peer's agent card (default 5000 ms). */
  cardTimeoutMs?: number;
  logger: Logger;
}

const terminalStates = new Set<TaskState>([
  TaskState.TASK_STATE_COMPLETED,
  TaskState.TASK_STATE_FAILED,
  TaskState.TASK_STATE_CANCELED,
  TaskState.TASK_STATE_REJECTED,
  TaskState.TASK_STATE_INPUT_REQUIRED,
  TaskState.TASK_STATE_AUTH_REQUIRED,
]);

function isUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}

function toEntry(peer: AgentPeerConfig, peerUrls: Readonly<Record<string, string>>): PeerEntry {
  if (typeof peer !== 'string') return { name: peer.name, url: peer.url };
  if (isUrl(peer)) return { name: undefined, url: peer };
  return { name: peer, url: peerUrls[peer] };
}

function usageOf(metadata: Record<string, unknown> | undefined): TurnUsage | undefined {
  const usage = metadata?.usage as TurnUsage | undefined;
  return usage !== undefined && typeof usage === 'object' && Array.isArray(usage.calls)
    ? usage
    : undefined;
}

/**
 * Delegates to the agents named in `peers:` over A2A with the SDK's ClientFactory: the same contextId and
 * userId, the reply streamed back. Peers given by URL only are named by their agent card, fetched on first
 * need. A peer without a URL, unreachable or failing is a MeshError that names it.
 */
export class A2aPeerDelegate implements PeerDelegate {
  private readonly entries: PeerEntry[];
  private readonly clients = new Map<string, Promise<Client>>();
  private readonly factory: ClientFactory;
  private readonly cardResolver: DefaultAgentCardResolver;

  constructor(private readonly options: A2aPeerDelegateOptions) {
    this.entries = options.peers.map((peer) => toEntry(peer, options.peerUrls ?? {}));
    const fetchImpl = this.createFetch();
    this.cardResolver = new DefaultAgentCardResolver({
      fetchImpl,
      legacyCompat: { enabled: true },
    });
    this.factory = new ClientFactory(
      ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
        transports: [
          new JsonRpcTransportFactory({ fetchImpl, legacyCompat: { enabled: true } }),
          new RestTransportFactory({ fetchImpl, legacyCompat: { enabled: true } }),
        ],
        cardResolver: this.cardResolver,
      }),
    );
    for (const entry of this.entries) {
      if (entry.url === undefined) {
        options.logger.warn(
          { peer: entry.name },
          `peer "${entry.name}" has no URL; write it as { name: ${entry.name}, url: http://host:port } in peers`,
        );
      }
    }
  }

  /** The names of the peers known so far (URL-only peers join once their card was read). */
  get peerNames(): string[] {
    return this.entries
      .map((entry) => entry.name)
      .filter((name): name is string => name !== undefined);
  }

  async match(text: string): Promise<Delegation | undefined> {
    if (!/^\s*(@|ask\s)/i.test(text)) return undefined;
    const found = parseDelegation(text, this.peerNames);
    if (found !== undefined || this.entries.every((entry) => entry.name !== undefined))
      return found;
    await this.nameUrlPeers();
    return parseDelegation(text, this.peerNames);
  }

  async call(input: Parameters<PeerDelegate['call']>[0]): Promise<DelegationResult> {
    const entry = this.entries.find((item) => item.name === input.peer);
    if (entry?.url === undefined) {
      throw new MeshError(
        'AGENT_NOT_FOUND',
        `Peer agent "${input.peer}" has no URL. Write it as { name: ${input.peer}, url: http://host:port } in peers.`,
        { peer: input.peer },
      );
    }
    const url = entry.url;
    let client: Client;
    try {
      client = await this.clientFor(url);
    } catch (error) {
      throw this.unreachable(input.peer, url, error);
    }
    const request: SendMessageRequest = {
      tenant: '',
      message: {
        messageId: input.messageId,
        contextId: input.contextId,
        taskId: '',
        role: Role.ROLE_USER,
        parts: [createTextPart(input.text)],
        metadata: { userId: input.userId, delegatedBy: this.options.selfName },
        extensions: [],
        referenceTaskIds: [],
      },
      configuration: undefined,
      metadata: undefined,
    };

    let streamed = '';
    let finalText: string | undefined;
    let peerTaskId: string | undefined;
    let state: TaskState | undefined;
    let statusText = '';
    let statusMetadata: Record<string, unknown> | undefined;
    const onParts = (parts: Part[] | undefined, append: boolean, lastChunk: boolean): void => {
      const text = textOfParts(parts);
      if (append) {
        streamed += text;
        input.onDelta(text);
      } else if (lastChunk) {
        finalText = text;
      } else if (text.startsWith(streamed)) {
        input.onDelta(text.slice(streamed.length));
        streamed = text;
      } else {
        streamed = text;
      }
    };
    try {
      for await (const event of client.sendMessageStream(request, { signal: input.signal })) {
        const payload = event.payload;
        if (payload === undefined) continue;
        switch (payload.$case) {
          case 'task':
            peerTaskId = payload.value.id;
            state = payload.value.status?.state;
            break;
          case 'artifactUpdate':
            peerTaskId ??= payload.value.taskId;
            onParts(payload.value.artifact?.parts, payload.value.append, payload.value.lastChunk);
            break;
          case 'statusUpdate':
            peerTaskId ??= payload.value.taskId;
            state = payload.value.status?.state;
            statusText = textOfMessage(payload.value.status?.message);
            statusMetadata = payload.value.metadata;
            break;
          case 'message':
            finalText = textOfMessage(payload.value);
            state = TaskState.TASK_STATE_COMPLETED;
            break;
        }
        if (state !== undefined && terminalStates.has(state) && payload.$case !== 'task') break;
      }
    } catch (error) {
      if (input.signal.aborted) {
        this.cancelOnPeer(client, peerTaskId);
        throw error;
      }
      this.clients.delete(url);
      if (isMeshError(error)) throw error;
      throw this.unreachable(input.peer, url, error);
    }
    if (input.signal.aborted) {
      this.cancelOnPeer(client, peerTaskId);
      throw new MeshError('AGENT_UNAVAILABLE', `The delegation to "${input.peer}" was stopped.`, {
        peer: input.peer,
      });
    }
    if (state !== TaskState.TASK_STATE_COMPLETED) {
      const peerError = statusMetadata?.error as { message?: string } | undefined;
      const reason =
        peerError?.message ?? (statusText || `the task ended in state ${String(state)}`);
      throw new MeshError(
        'AGENT_UNAVAILABLE',
        `Peer agent "${input.peer}" could not answer: ${reason}`,
        {
          peer: input.peer,
          url,
          ...(peerTaskId ? { peerTaskId } : {}),
        },
      );
    }
    const text = finalText ?? streamed;
    const result: DelegationResult = { text };
    const usage = usageOf(statusMetadata);
    if (usage !== undefined) result.usage = usage;
    if (peerTaskId !== undefined) result.peerTaskId = peerTaskId;
    if (typeof statusMetadata?.model === 'string') result.model = statusMetadata.model;
    return result;
  }

  private unreachable(peer: string, url: string, error: unknown): MeshError {
    const cause =
      error instanceof Error
        ? ((error.cause as Error | undefined)?.message ?? error.message)
        : String(error);
    return new MeshError(
      'AGENT_UNAVAILABLE',
      `Peer agent "${peer}" at ${url} could not be reached: ${cause}. Check that it is running.`,
      { peer, url },
      { cause: error },
    );
  }

  private cancelOnPeer(client: Client, taskId: string | undefined): void {
    if (taskId === undefined) return;
    client
      .cancelTask(
        { tenant: '', id: taskId, metadata: undefined },
        { signal: AbortSignal.timeout(5000) },
      )
      .catch((error: unknown) => {
        this.options.logger.debug({ err: error, taskId }, 'could not cancel the task on the peer');
      });
  }

  private clientFor(url: string): Promise<Client> {
    let client = this.clients.get(url);
    if (client === undefined) {
      client = this.factory.createFromUrl(url);
      this.clients.set(url, client);
      client.catch(() => this.clients.delete(url));
    }
    return client;
  }

  private async nameUrlPeers(): Promise<void> {
    await Promise.all(
      this.entries
        .filter((entry) => entry.name === undefined && entry.url !== undefined)
        .map(async (entry) => {
          try {
            const card: AgentCard = await this.cardResolver.resolve(entry.url as string);
            entry.name = card.name;
          } catch (error) {
            this.options.logger.warn(
              { err: error, url: entry.url },
              'could not read the agent card of a peer',
            );
          }
        }),
    );
  }

  private createFetch(): typeof fetch {
    const { token, cardTimeoutMs = 5000 } = this.options;
    return (input, init) => {
      const headers = new Headers(init?.headers);
      if (token !== '') headers.set('authorization', `Bearer ${token}`);
      const isCard = String(input instanceof Request ? input.url : input).includes('/.well-known/');
      const signal = isCard
        ? AbortSignal.any([
            AbortSignal.timeout(cardTimeoutMs),
            ...(init?.signal ? [init.signal] : []),
          ])
        : init?.signal;
      return fetch(input, { ...init, headers, ...(signal ? { signal } : {}) });
    };
  }
}
