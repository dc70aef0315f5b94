import type { Client as PgClient, Notification } from 'pg';
import type { PoolConfig } from '../config/agent-config.js';
import { MeshError } from '../errors/mesh-error.js';
import type { Logger } from '../logging/create-logger.js';
import { createPgSettings, resolvePoolConfig } from './connection-settings.js';
import { toUnavailableError } from './database-errors.js';
import type { ParsedDatabaseUrl } from './database-types.js';
import { parseDatabaseUrl } from './parse-database-url.js';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; callers keep theirs at most this long. */
export const maxNotificationPayloadBytes = 7999;

/** Options of openNotificationChannel; times in milliseconds. */
export interface NotificationChannelOptions {
  /** A PostgreSQL URL in any accepted form (the gateway's `database_url`). */
  url: string;
  /** The channel to LISTEN and NOTIFY on: lowercase letters, digits and `_`, at most 63 characters. */
  channel: string;
  /** Receives every payload sent on the channel, this connection's own notifications included. */
  onNotification(payload: string): void;
  /**
   * Called each time the listening connection is up: `reconnected` is true after a drop, when
   * notifications sent in between were lost and the listener should catch up from the database.
   */
  onListening?(info: { reconnected: boolean }): void;
  logger?: Logger;
  /** Only `connect_timeout_ms` is used; defaults as for the pool. */
  pool?: Partial<PoolConfig>;
  /** First pause before reconnecting after a drop (default 100 ms), doubled up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  /** Longest pause between reconnection attempts (default 5 s). */
  maxReconnectDelayMs?: number;
  /**
   * How often the idle connection is checked with `SELECT 1` (default 15 s; 0 disables): a connection
   * that silently died (a failed-over server, a dropped NAT entry) is replaced instead of waiting forever.
   */
  checkIntervalMs?: number;
}

/** A dedicated PostgreSQL connection that LISTENs on one channel and can NOTIFY on it. */
export interface NotificationChannel {
  readonly channel: string;
  /** True while the listening connection is up. */
  readonly listening: boolean;
  /**
   * Sends a payload to every connection listening on the channel (delivered when PostgreSQL commits,
   * i.e. at once). Throws PAYLOAD_TOO_LARGE above maxNotificationPayloadBytes and DATABASE_UNAVAILABLE
   * while the connection is down (it is being re-established in the background).
   */
  notify(payload: string): Promise<void>;
  /** Stops listening and closes the connection; safe to call twice. */
  close(): Promise<void>;
}

const channelPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/** Tells whether a database URL supports openNotificationChannel (PostgreSQL only). */
export function supportsNotificationChannel(url: string): boolean {
  return parseDatabaseUrl(url).provider === 'postgresql';
}

/**
 * Opens a dedicated `pg` connection (outside the Prisma pool, which would hand LISTEN to a random
 * pooled connection) that LISTENs on `channel` and NOTIFYs on it. When the connection drops it is
 * re-established with backoff, LISTEN is issued again and `onListening({ reconnected: true })` tells the
 * caller that notifications may have been missed. Resolves once the first LISTEN succeeded; a server
 * that cannot be reached is DATABASE_UNAVAILABLE, a URL of another engine DATABASE_URL_INVALID.
 */
export async function openNotificationChannel(
  options: NotificationChannelOptions,
): Promise<NotificationChannel> {
  const parsed = parseDatabaseUrl(options.url);
  if (parsed.provider !== 'postgresql') {
    throw new MeshError(
      'DATABASE_URL_INVALID',
      `LISTEN/NOTIFY needs PostgreSQL, but ${parsed.redacted} is a ${parsed.provider} database; use polling instead.`,
      { url: parsed.redacted, provider: parsed.provider },
    );
  }
  if (!channelPattern.test(options.channel)) {
    throw new MeshError(
      'CONFIG_INVALID',
      `Notification channel "${options.channel}" is not a plain PostgreSQL identifier; use lowercase letters, digits and "_" (at most 63).`,
      { channel: options.channel },
    );
  }
  const channel = new PgNotificationChannel(parsed, options);
  await channel.open();
  return channel;
}

class PgNotificationChannel implements NotificationChannel {
  readonly channel: string;
  private client: PgClient | undefined;
  private closed = false;
  private everListened = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private reconnectDelay: number;
  private readonly pool: PoolConfig;

  constructor(
    private readonly parsed: ParsedDatabaseUrl,
    private readonly options: NotificationChannelOptions,
  ) {
    this.channel = options.channel;
    this.pool = resolvePoolConfig(parsed, options.pool);
    this.reconnectDelay = options.reconnectDelayMs ?? 100;
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  async open(): Promise<void> {
    await this.connect();
    const interval = this.options.checkIntervalMs ?? 15_000;
    if (interval > 0) {
      this.checkTimer = setInterval(() => void this.check(), interval);
      this.checkTimer.unref();
    }
  }

  async notify(payload: string): Promise<void> {
    const bytes = Buffer.byteLength(payload, 'utf8');
    if (bytes > maxNotificationPayloadBytes) {
      throw new MeshError(
        'PAYLOAD_TOO_LARGE',
        `A NOTIFY payload is ${bytes} bytes; PostgreSQL accepts at most ${maxNotificationPayloadBytes}. Send a shorter one.`,
        { bytes, maxBytes: maxNotificationPayloadBytes },
      );
    }
    const client = this.client;
    if (client === undefined) {
      throw new MeshError(
        'DATABASE_UNAVAILABLE',
        `The notification connection to ${this.parsed.redacted} is down; it is being re-established.`,
        { url: this.parsed.redacted },
      );
    }
    try {
      await client.query('SELECT pg_notify($1, $2)', [this.channel, payload]);
    } catch (error) {
      throw toUnavailableError(this.parsed, error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.checkTimer) clearInterval(this.checkTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** Connects and LISTENs; throws when either fails (the caller decides whether to retry). */
  private async connect(): Promise<void> {
    const { default: pg } = await import('pg');
    const client = new pg.Client({
      ...createPgSettings(this.parsed, this.pool),
      keepAlive: true,
      application_name: this.parsed.params.application_name ?? 'agent-mesh-notify',
    });
    client.on('notification', (message: Notification) => {
      if (message.channel !== this.channel || this.client !== client) return;
      try {
        this.options.onNotification(message.payload ?? '');
      } catch (error) {
        this.options.logger?.error({ err: error }, 'a notification handler threw');
      }
    });
    // Both fire when the server or the network drops the connection; replace it.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, undefined));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      client.removeAllListeners('end');
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw toUnavailableError(this.parsed, error);
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.reconnectDelay = this.options.reconnectDelayMs ?? 100;
    const reconnected = this.everListened;
    this.everListened = true;
    if (reconnected) {
      this.options.logger?.info(
        { channel: this.channel },
        'notification connection re-established',
      );
    }
    this.options.onListening?.({ reconnected });
  }

  private lost(client: PgClient, error: Error | undefined): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.on('error', () => undefined);
    client.end().catch(() => undefined);
    this.options.logger?.warn(
      { err: error, channel: this.channel },
      'notification connection lost; reconnecting',
    );
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, this.options.maxReconnectDelayMs ?? 5_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((error: unknown) => {
        this.options.logger?.debug({ err: error }, 'notification connection not yet back');
        this.scheduleReconnect();
      });
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Replaces a connection that no longer answers. */
  private async check(): Promise<void> {
    const client = this.client;
    if (client === undefined) return;
    const timeoutMs = Math.max(this.pool.connect_timeout_ms, 1_000);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.query('SELECT 1'),
        new Promise((_resolve, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      this.lost(client, error instanceof Error ? error : new Error(String(error)));
    } finally {
      clearTimeout(timer);
    }
  }
}
