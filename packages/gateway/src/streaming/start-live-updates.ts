import {
  MeshError,
  parseDatabaseUrl,
  type GatewaySessionServiceConfig,
  type LiveUpdatesConfig,
  type Logger,
} from '@agent-mesh/shared';
import type { GatewayStore } from '../store/gateway-store.js';
import { RemoteTaskFollower } from './remote-task-follower.js';
import type { TaskEventFeed } from './task-event-feed.js';
import { TaskNotifier } from './task-notifier.js';

/** How this instance learns about replies other instances record: not at all (memory), notified, polled. */
export type LiveUpdatesTransport = 'off' | 'notify' | 'poll';

/** The running cross-instance live feed. */
export interface LiveUpdates {
  transport: LiveUpdatesTransport;
  /** Follows other instances' tasks; absent when the transport is `off`. */
  follower?: RemoteTaskFollower;
  /** Stops listening and polling. */
  close(): Promise<void>;
}

/** What startLiveUpdates needs. */
export interface StartLiveUpdatesOptions {
  /** `gateway.live_updates`; defaults (auto, 200 ms) when absent. */
  config?: LiveUpdatesConfig | undefined;
  sessionService: GatewaySessionServiceConfig;
  store: GatewayStore;
  feed: TaskEventFeed;
  logger: Logger;
  isRunningHere: (taskId: string) => boolean;
  /** With LISTEN/NOTIFY, the safety-net poll that catches a lost notification (default 5 s; 0: none). */
  notifyFallbackPollMs?: number;
}

/** The defaults the schema applies, for configs built by hand. */
const defaultLiveUpdates: LiveUpdatesConfig = { mode: 'auto', poll_interval_ms: 200 };

/**
 * Lets a browser connected to any gateway instance watch a reply that another instance is recording
 * into the shared database. On PostgreSQL (mode auto or notify) instances announce each committed batch
 * with LISTEN/NOTIFY and a 5 s poll catches anything lost; on MySQL/MariaDB and SQLite (or mode poll)
 * the events of followed tasks are polled every `poll_interval_ms`. With memory history there is
 * nothing to share and nothing starts.
 */
export async function startLiveUpdates(options: StartLiveUpdatesOptions): Promise<LiveUpdates> {
  const { feed, logger, sessionService } = options;
  if (sessionService.type === 'memory' || options.store.persistence === 'memory') {
    return { transport: 'off', close: () => Promise.resolve() };
  }
  const config = { ...defaultLiveUpdates, ...options.config };
  const provider = parseDatabaseUrl(sessionService.database_url).provider;
  if (config.mode === 'notify' && provider !== 'postgresql') {
    throw new MeshError(
      'CONFIG_INVALID',
      `gateway.live_updates.mode is notify, which needs PostgreSQL, but the gateway database is ${provider}. Use mode: auto or poll.`,
      { mode: config.mode, provider },
    );
  }
  const followerFor = (pollIntervalMs: number): RemoteTaskFollower =>
    new RemoteTaskFollower({
      store: options.store,
      feed,
      logger,
      isRunningHere: options.isRunningHere,
      pollIntervalMs,
    });

  if (provider === 'postgresql' && config.mode !== 'poll') {
    const follower = followerFor(options.notifyFallbackPollMs ?? 5_000);
    try {
      const notifier = await TaskNotifier.open({
        url: sessionService.database_url,
        pool: sessionService.pool,
        logger,
        onAnnounced: (taskId, lastSeq) => follower.announce(taskId, lastSeq),
        onReconnected: () => void follower.poll(),
      });
      feed.observe({
        onWatch: (taskId, fromSeq) => follower.watch(taskId, fromSeq),
        onUnwatch: (taskId) => follower.unwatch(taskId),
        onPublish: (taskId, lastSeq) => notifier.announce(taskId, lastSeq),
      });
      follower.start();
      logger.info('live updates across gateway instances: PostgreSQL LISTEN/NOTIFY');
      return {
        transport: 'notify',
        follower,
        close: async () => {
          feed.observe(undefined);
          follower.close();
          await notifier.close();
        },
      };
    } catch (error) {
      if (config.mode === 'notify') throw error;
      logger.warn(
        { err: error },
        `LISTEN/NOTIFY is not available on the gateway database; polling every ${config.poll_interval_ms} ms instead`,
      );
    }
  }

  const follower = followerFor(config.poll_interval_ms);
  feed.observe({
    onWatch: (taskId, fromSeq) => follower.watch(taskId, fromSeq),
    onUnwatch: (taskId) => follower.unwatch(taskId),
    onPublish: () => undefined,
  });
  follower.start();
  logger.info(
    { pollIntervalMs: config.poll_interval_ms },
    'live updates across gateway instances: polling',
  );
  return {
    transport: 'poll',
    follower,
    close: () => {
      feed.observe(undefined);
      follower.close();
      return Promise.resolve();
    },
  };
}
