import { describe, expect, it } from 'vitest';
import type { SessionData } from 'express-session';
import { createLogger } from '@agent-mesh/shared';
import { MemoryGatewayStore } from '../store/memory-gateway-store.js';
import { WebSessionStore } from './web-session-store.js';

const logger = createLogger('web-session-store-test', { level: 'silent' });

function sessionExpiringAt(time: number): SessionData {
  return {
    cookie: { originalMaxAge: 1000, expires: new Date(time), httpOnly: true, path: '/' },
    userId: 'anon-1',
  } as SessionData;
}

function call<T>(
  run: (callback: (error: unknown, value?: T) => void) => void,
): Promise<T | undefined> {
  return new Promise((resolve, reject) =>
    run((error, value) => (error ? reject(error) : resolve(value))),
  );
}

describe('WebSessionStore', () => {
  it('stores sessions until their cookie expires and prunes expired ones', async () => {
    let now = 1_000_000;
    const store = new MemoryGatewayStore();
    const sessions = new WebSessionStore(store, { logger, cleanupIntervalMs: 0, now: () => now });
    await call((done) => sessions.set('sid-a', sessionExpiringAt(now + 5000), done));
    expect(await call<SessionData | null>((done) => sessions.get('sid-a', done))).toMatchObject({
      userId: 'anon-1',
    });
    now += 6000;
    expect(await call<SessionData | null>((done) => sessions.get('sid-a', done))).toBeNull();
    expect(await sessions.prune()).toBe(1);
    expect(await store.getWebSession('sid-a', new Date(0))).toBeNull();
  });

  it('writes a touch only when the expiry moved by more than the threshold', async () => {
    const store = new MemoryGatewayStore();
    let touches = 0;
    const touch = store.touchWebSession.bind(store);
    store.touchWebSession = async (sid, expiresAt) => {
      touches += 1;
      await touch(sid, expiresAt);
    };
    const sessions = new WebSessionStore(store, {
      logger,
      cleanupIntervalMs: 0,
      touchThresholdMs: 60_000,
      now: () => 0,
    });
    await call((done) => sessions.set('sid-b', sessionExpiringAt(100_000), done));
    await new Promise<void>((resolve) =>
      sessions.touch('sid-b', sessionExpiringAt(130_000), resolve),
    );
    expect(touches).toBe(0);
    await new Promise<void>((resolve) =>
      sessions.touch('sid-b', sessionExpiringAt(200_000), resolve),
    );
    expect(touches).toBe(1);
    expect((await store.getWebSession('sid-b', new Date(150_000)))?.expiresAt.getTime()).toBe(
      200_000,
    );
  });

  it('reads a record once per readCacheMs and sees its own writes and destroys at once', async () => {
    let now = 0;
    const store = new MemoryGatewayStore();
    let reads = 0;
    const read = store.getWebSession.bind(store);
    store.getWebSession = async (sid, at) => {
      reads += 1;
      return read(sid, at);
    };
    const sessions = new WebSessionStore(store, {
      logger,
      cleanupIntervalMs: 0,
      readCacheMs: 1000,
      now: () => now,
    });
    const get = () => call<SessionData | null>((done) => sessions.get('sid-d', done));
    await store.setWebSession('sid-d', {
      data: JSON.stringify(sessionExpiringAt(100_000)),
      expiresAt: new Date(100_000),
    });
    expect(await get()).toMatchObject({ userId: 'anon-1' });
    expect(await get()).toMatchObject({ userId: 'anon-1' });
    expect(reads).toBe(1);

    // Another gateway signed the browser in: seen once the kept record is older than readCacheMs.
    await store.setWebSession('sid-d', {
      data: JSON.stringify({ ...sessionExpiringAt(100_000), userId: 'user-1' }),
      expiresAt: new Date(100_000),
    });
    now += 1000;
    expect(await get()).toMatchObject({ userId: 'user-1' });
    expect(reads).toBe(2);

    // This process's own write and destroy apply at once.
    await call((done) =>
      sessions.set(
        'sid-d',
        { ...sessionExpiringAt(100_000), userId: 'user-2' } as SessionData,
        done,
      ),
    );
    expect(await get()).toMatchObject({ userId: 'user-2' });
    await call((done) => sessions.destroy('sid-d', done));
    expect(await get()).toBeNull();
    expect(reads).toBe(3);
  });

  it('treats a damaged record as no session', async () => {
    const store = new MemoryGatewayStore();
    await store.setWebSession('sid-c', { data: '{not json', expiresAt: new Date(10_000) });
    const sessions = new WebSessionStore(store, { logger, cleanupIntervalMs: 0, now: () => 0 });
    expect(await call<SessionData | null>((done) => sessions.get('sid-c', done))).toBeNull();
  });
});
