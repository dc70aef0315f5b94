import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/create-test-database.js';
import {
  maxNotificationPayloadBytes,
  openNotificationChannel,
  supportsNotificationChannel,
  type NotificationChannel,
} from './notification-channel.js';

/** Resolves with the first value `take` returns for a pushed item; rejects after the deadline. */
function waitForItem<T>(items: T[], take: (item: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const found = items.find(take);
      if (found !== undefined) resolve(found);
      else if (Date.now() > deadline)
        reject(new Error(`not received within ${timeoutMs} ms: ${JSON.stringify(items)}`));
      else setTimeout(check, 10);
    };
    check();
  });
}

describe('openNotificationChannel on PostgreSQL', () => {
  let database: TestDatabase;
  const opened: NotificationChannel[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgresql');
  });

  afterAll(async () => {
    await Promise.all(opened.map((channel) => channel.close()));
    await database?.drop();
  });

  async function open(
    channel: string,
    received: string[],
    listening: boolean[] = [],
    url = database.url,
  ): Promise<NotificationChannel> {
    const opening = await openNotificationChannel({
      url,
      channel,
      onNotification: (payload) => received.push(payload),
      onListening: ({ reconnected }) => listening.push(reconnected),
      reconnectDelayMs: 20,
      checkIntervalMs: 0,
    });
    opened.push(opening);
    return opening;
  }

  it('delivers a payload to every connection listening on the channel, and only that channel', async () => {
    const first: string[] = [];
    const second: string[] = [];
    const other: string[] = [];
    const sender = await open('am_test_events', first);
    await open('am_test_events', second);
    await open('am_test_other', other);
    await sender.notify('{"task":"t-1","seq":7}');
    await waitForItem(second, (payload) => payload === '{"task":"t-1","seq":7}');
    await waitForItem(first, (payload) => payload === '{"task":"t-1","seq":7}');
    expect(other).toEqual([]);
  });

  it('reconnects after the server drops the connection and says notifications may have been lost', async () => {
    const applicationName = `am_notify_${randomBytes(4).toString('hex')}`;
    const received: string[] = [];
    const listening: boolean[] = [];
    const separator = database.url.includes('?') ? '&' : '?';
    const listener = await open(
      'am_test_reconnect',
      received,
      listening,
      `${database.url}${separator}application_name=${applicationName}`,
    );
    const sender = await open('am_test_reconnect', []);
    expect(listening).toEqual([false]);

    const admin = new pg.Client({
      connectionString: database.url.replace(/^postgresql:/, 'postgres:'),
    });
    await admin.connect();
    try {
      const terminated = await admin.query(
        'SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      );
      expect(terminated.rowCount).toBe(1);
    } finally {
      await admin.end();
    }

    await waitForItem(listening, (reconnected) => reconnected);
    expect(listener.listening).toBe(true);
    await sender.notify('after the drop');
    await waitForItem(received, (payload) => payload === 'after the drop');
  });

  it('refuses a payload PostgreSQL would reject, before sending it', async () => {
    const channel = await open('am_test_size', []);
    await expect(channel.notify('x'.repeat(maxNotificationPayloadBytes + 1))).rejects.toMatchObject(
      {
        code: 'PAYLOAD_TOO_LARGE',
      },
    );
    await expect(channel.notify('x'.repeat(maxNotificationPayloadBytes))).resolves.toBeUndefined();
  });

  it('refuses other engines and unsafe channel names with a clear error', async () => {
    expect(supportsNotificationChannel('mysql://root@127.0.0.1:3306/x')).toBe(false);
    expect(supportsNotificationChannel(database.url)).toBe(true);
    await expect(
      openNotificationChannel({
        url: 'mariadb://root@127.0.0.1:3306/x',
        channel: 'am_events',
        onNotification: () => undefined,
      }),
    ).rejects.toMatchObject({ code: 'DATABASE_URL_INVALID', message: /needs PostgreSQL/ });
    await expect(
      openNotificationChannel({
        url: database.url,
        channel: 'events; DROP TABLE x',
        onNotification: () => undefined,
      }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
