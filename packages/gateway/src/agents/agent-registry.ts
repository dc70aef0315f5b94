import {
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  RestTransportFactory,
  type Client,
} from '@a2a-js/sdk/client';
import type { AgentCard } from '@a2a-js/sdk';
import { MeshError, type GatewayAgentConfig, type Logger } from '@agent-mesh/shared';
import type { GatewayPersistence } from '../store/gateway-store.js';
import { AgentSockets, StreamingJsonRpcTransportFactory } from './streaming-json-rpc-transport.js';

/** How an agent keeps its own sessions, as its card's session-persistence extension says. */
export type AgentPersistence = 'sql' | 'memory' | 'unknown';

/** What the gateway knows about one configured agent. */
export interface AgentStatus {
  name: string;
  description: string;
  available: boolean;
  persistence: AgentPersistence;
  warning?: string;
  /** Why the agent is unavailable (last card fetch error). */
  error?: string;
  /** Each configured replica (one for an agent with a single `url`). */
  replicas: ReplicaStatus[];
}

/** Whether one replica of an agent is believed up. */
export interface ReplicaStatus {
  url: string;
  available: boolean;
  /** Why it is marked down (last failed call or card fetch). */
  error?: string;
}

/** How a turn asks for a replica. */
export interface PickReplicaOptions {
  /** The gateway session: the replica that served it last is preferred while it is up. */
  sessionId?: string;
  /**
   * URLs of replicas that failed during this turn: never picked again for it (one that is still alive
   * may still be working on the message).
   */
  exclude?: ReadonlySet<string>;
}

/** A reachable replica of an agent with an A2A client built from its card. */
export interface AgentConnection {
  agent: string;
  url: string;
  card: AgentCard;
  client: Client;
}

/** Options of the registry; intervals and timeouts are in milliseconds. */
export interface AgentRegistryOptions {
  agents: readonly GatewayAgentConfig[];
  /** The gateway's own persistence; an agent in memory behind a persisting gateway gets a warning. */
  gatewayPersistence: GatewayPersistence;
  logger: Logger;
  /** How often agent cards are fetched again (default 30 s). */
  refreshIntervalMs?: number;
  /** Timeout of one card fetch (default 5 s). */
  cardTimeoutMs?: number;
  /** How often replicas marked down are probed again (default 5 s). */
  probeIntervalMs?: number;
  /** How many sessions remember the replica that served them last (default 10,000). */
  maxRememberedSessions?: number;
  fetch?: typeof fetch;
}

interface ReplicaState {
  url: string;
  connection?: AgentConnection;
  error?: string;
  refreshing?: Promise<void>;
}

interface AgentEntry {
  config: GatewayAgentConfig;
  replicas: ReplicaState[];
  persistence: AgentPersistence;
  description: string;
  /** Round-robin position for sessions no replica has served yet. */
  nextReplica: number;
}

/** The extension URI fragment an agent card uses to declare how it persists sessions. */
const persistenceExtensionMarker = 'session-persistence';

/**
 * The agents of the `agents:` list: fetches each agent card at start and every `refreshIntervalMs`,
 * keeps an A2A client per reachable replica, and reports availability and how each agent persists its
 * sessions. An agent that is down is unavailable, never fatal; it comes back with the next refresh.
 * With several replicas (`urls:`) it picks one per turn: the replica that served the session last while
 * it is up (remembered in memory, per gateway instance), otherwise the next up replica in turn. A replica
 * whose call failed is marked down at once and probed again every `probeIntervalMs`.
 */
export class AgentRegistry {
  private readonly entries = new Map<string, AgentEntry>();
  /** `agent \0 sessionId` → URL of the replica that served the session last (oldest first). */
  private readonly lastReplicaOfSession = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly sockets = new AgentSockets();
  private readonly refreshIntervalMs: number;
  private readonly probeIntervalMs: number;
  private readonly cardTimeoutMs: number;
  private readonly maxRememberedSessions: number;

  constructor(private readonly options: AgentRegistryOptions) {
    this.fetchImpl = options.fetch ?? fetch;
    this.refreshIntervalMs = options.refreshIntervalMs ?? 30_000;
    this.probeIntervalMs = options.probeIntervalMs ?? 5_000;
    this.cardTimeoutMs = options.cardTimeoutMs ?? 5_000;
    this.maxRememberedSessions = options.maxRememberedSessions ?? 10_000;
    for (const config of options.agents) {
      const urls = config.urls ?? (config.url ? [config.url] : []);
      this.entries.set(config.name, {
        config,
        replicas: urls.map((url) => ({ url })),
        persistence: 'unknown',
        description: config.description ?? '',
        nextReplica: 0,
      });
    }
  }

  /** Fetches every agent card once and starts the periodic refresh and the probing of down replicas. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshIntervalMs);
    this.timer.unref();
    this.probeTimer = setInterval(() => void this.probeDownReplicas(), this.probeIntervalMs);
    this.probeTimer.unref();
  }

  /** Stops the periodic refresh and probing, and closes the kept-alive sockets to the agents. */
  stop(): void {
    this.sockets.destroy();
    if (this.timer) clearInterval(this.timer);
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.timer = undefined;
    this.probeTimer = undefined;
  }

  /** Fetches the cards of every agent (or one) again; never throws. */
  async refresh(name?: string): Promise<void> {
    const entries = name
      ? [this.entries.get(name)].filter((e) => e !== undefined)
      : [...this.entries.values()];
    await Promise.all(entries.map((entry) => this.refreshEntry(entry)));
  }

  /** Tells whether an agent of this name is configured. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The configured agent names, in configuration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Status of every configured agent, in configuration order. */
  list(): AgentStatus[] {
    return [...this.entries.values()].map((entry) => this.statusOf(entry));
  }

  /** Warnings worth showing to users (agents that forget sessions while the gateway keeps them). */
  warnings(): string[] {
    return this.list().flatMap((status) => (status.warning ? [status.warning] : []));
  }

  /**
   * Picks the replica for a turn: the one that served the session last while it is up, otherwise the
   * next up replica in turn, never one in `exclude`. When no replica qualifies the cards are fetched
   * again first. Returns undefined when only excluded replicas remain; throws AGENT_NOT_FOUND, or
   * AGENT_UNAVAILABLE when no replica answers at all.
   */
  async pick(name: string, options: PickReplicaOptions = {}): Promise<AgentConnection | undefined> {
    const entry = this.entries.get(name);
    if (!entry) {
      throw new MeshError(
        'AGENT_NOT_FOUND',
        `No agent named "${name}" is configured in the gateway.`,
        {
          agent: name,
          configured: this.names(),
        },
      );
    }
    const eligible = (): ReplicaState[] =>
      entry.replicas.filter(
        (replica) => replica.connection !== undefined && !options.exclude?.has(replica.url),
      );
    let candidates = eligible();
    if (candidates.length === 0) {
      if (entry.replicas.every((replica) => options.exclude?.has(replica.url))) return undefined;
      await this.refreshEntry(entry);
      candidates = eligible();
    }
    if (candidates.length === 0) {
      if (options.exclude !== undefined && options.exclude.size > 0) return undefined;
      const status = this.statusOf(entry);
      throw new MeshError(
        'AGENT_UNAVAILABLE',
        `Agent "${name}" is not reachable at ${entry.replicas.map((r) => r.url).join(', ')}: ${status.error ?? 'no answer'}. Start it (agent-mesh agent --config <file>) or check its URL in the gateway YAML.`,
        { agent: name },
      );
    }
    const lastUrl =
      options.sessionId === undefined
        ? undefined
        : this.lastReplicaOfSession.get(sessionKey(name, options.sessionId));
    const sticky = candidates.find((replica) => replica.url === lastUrl);
    if (sticky?.connection) return sticky.connection;
    const chosen = candidates[entry.nextReplica % candidates.length];
    entry.nextReplica = (entry.nextReplica + 1) % Number.MAX_SAFE_INTEGER;
    return chosen?.connection;
  }

  /** Remembers that a replica answered a turn of the session, so its next turns prefer it. */
  noteServed(name: string, sessionId: string, url: string): void {
    const entry = this.entries.get(name);
    if (!entry || entry.replicas.length < 2) return;
    const key = sessionKey(name, sessionId);
    this.lastReplicaOfSession.delete(key);
    this.lastReplicaOfSession.set(key, url);
    if (this.lastReplicaOfSession.size > this.maxRememberedSessions) {
      const oldest = this.lastReplicaOfSession.keys().next().value;
      if (oldest !== undefined) this.lastReplicaOfSession.delete(oldest);
    }
  }

  /**
   * Marks a replica down after a failed call (refused connection, broken stream), so turns go to the
   * others until a probe finds it up again.
   */
  markUnreachable(name: string, url: string, error: unknown): void {
    const replica = this.entries.get(name)?.replicas.find((item) => item.url === url);
    if (!replica) return;
    const wasUp = replica.connection !== undefined;
    replica.connection = undefined;
    replica.error = describeFetchError(error);
    if (wasUp) {
      this.options.logger.warn(
        { agent: name, url, error: replica.error },
        'agent replica marked down after a failed call; probing it again',
      );
    }
  }

  /** The fetch used for calls to an agent: adds its bearer token when one is configured. */
  fetchFor(name: string, timeoutMs?: number): typeof fetch {
    const token = this.entries.get(name)?.config.token;
    return (input, init) => {
      const headers = new Headers(init?.headers);
      if (token) headers.set('Authorization', `Bearer ${token}`);
      const signals = [init?.signal, timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined].filter(
        (signal): signal is AbortSignal => signal !== undefined && signal !== null,
      );
      // One signal needs no combining (AbortSignal.any costs a listener and a signal per call).
      const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
      return this.fetchImpl(input, { ...init, headers, ...(signal ? { signal } : {}) });
    };
  }

  /** Probes the replicas marked down (their cards), so a restarted replica takes turns again soon. */
  private async probeDownReplicas(): Promise<void> {
    await Promise.all(
      [...this.entries.values()].flatMap((entry) =>
        entry.replicas
          .filter((replica) => replica.connection === undefined)
          .map((replica) => this.refreshReplicaOnce(entry, replica)),
      ),
    );
  }

  private statusOf(entry: AgentEntry): AgentStatus {
    const available = entry.replicas.some((replica) => replica.connection !== undefined);
    const error = entry.replicas.find((replica) => replica.error)?.error;
    const warning =
      entry.persistence === 'memory' && this.options.gatewayPersistence === 'sql'
        ? `Agent "${entry.config.name}" keeps its sessions in memory: after it restarts it forgets earlier messages, while the gateway still shows them. Set agent.session_service.type: sql in its YAML file.`
        : undefined;
    return {
      name: entry.config.name,
      description: entry.description,
      available,
      persistence: entry.persistence,
      ...(warning ? { warning } : {}),
      ...(!available && error ? { error } : {}),
      replicas: entry.replicas.map((replica) => ({
        url: replica.url,
        available: replica.connection !== undefined,
        ...(replica.connection === undefined && replica.error ? { error: replica.error } : {}),
      })),
    };
  }

  private async refreshEntry(entry: AgentEntry): Promise<void> {
    await Promise.all(entry.replicas.map((replica) => this.refreshReplicaOnce(entry, replica)));
  }

  /** One card fetch per replica at a time: concurrent callers share it. */
  private refreshReplicaOnce(entry: AgentEntry, replica: ReplicaState): Promise<void> {
    replica.refreshing ??= this.refreshReplica(entry, replica).finally(() => {
      replica.refreshing = undefined;
    });
    return replica.refreshing;
  }

  private async refreshReplica(entry: AgentEntry, replica: ReplicaState): Promise<void> {
    const name = entry.config.name;
    const wasAvailable = replica.connection !== undefined;
    try {
      const resolver = new DefaultAgentCardResolver({
        fetchImpl: this.fetchFor(name, this.cardTimeoutMs),
      });
      const card = pointCardAt(await resolver.resolve(replica.url), replica.url);
      const callFetch = this.fetchFor(name);
      const factory = new ClientFactory(
        ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
          transports: [
            new StreamingJsonRpcTransportFactory({
              fetchImpl: callFetch,
              sockets: this.sockets,
              ...(entry.config.token
                ? { headers: { Authorization: `Bearer ${entry.config.token}` } }
                : {}),
            }),
            new RestTransportFactory({ fetchImpl: callFetch }),
          ],
        }),
      );
      const client = await factory.createFromAgentCard(card);
      replica.connection = { agent: name, url: replica.url, card, client };
      replica.error = undefined;
      const previous = entry.persistence;
      entry.persistence = persistenceOf(card);
      entry.description = entry.config.description ?? card.description ?? '';
      if (!wasAvailable)
        this.options.logger.info({ agent: name, url: replica.url }, 'agent is available');
      if (previous !== entry.persistence) {
        const status = this.statusOf(entry);
        if (status.warning) this.options.logger.warn({ agent: name }, status.warning);
      }
    } catch (error) {
      const firstFailure = wasAvailable || replica.error === undefined;
      replica.connection = undefined;
      replica.error = describeFetchError(error);
      if (firstFailure) {
        this.options.logger.warn(
          { agent: name, url: replica.url, error: replica.error },
          'agent is unavailable; it will be shown as such until it answers again',
        );
      }
    }
  }
}

/** Reads the session-persistence extension of an agent card. */
export function persistenceOf(card: AgentCard): AgentPersistence {
  const extension = card.capabilities?.extensions?.find((item) =>
    item.uri.includes(persistenceExtensionMarker),
  );
  const value: unknown = extension?.params?.persistence;
  return value === 'sql' || value === 'memory' ? value : 'unknown';
}

/**
 * An agent bound to 0.0.0.0 may advertise that address in its card; calls then go to the origin the
 * gateway was configured with instead.
 */
function pointCardAt(card: AgentCard, configuredUrl: string): AgentCard {
  const configured = new URL(configuredUrl);
  return {
    ...card,
    supportedInterfaces: (card.supportedInterfaces ?? []).map((item) => {
      try {
        const url = new URL(item.url);
        if (url.hostname === '0.0.0.0' || url.hostname === '[::]' || url.hostname === '::') {
          url.protocol = configured.protocol;
          url.host = configured.host;
          return { ...item, url: url.toString() };
        }
      } catch {
        // A malformed interface URL is left for the client factory to reject.
      }
      return item;
    }),
  };
}

function sessionKey(agent: string, sessionId: string): string {
  return `${agent}\u0000${sessionId}`;
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? `: ${cause.message}` : '';
    return `${error.message}${causeText}`;
  }
  return String(error);
}
