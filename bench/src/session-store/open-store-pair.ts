import {
  createSessionService,
  type SessionKey,
  type SessionService,
} from '@agent-mesh/agent-runtime';
import { openDatabase, type AgentDatabase, type DatabaseProvider } from '@agent-mesh/shared';
import { createTestDatabase, type TestDatabase } from '@agent-mesh/shared/testing';
import { openRawDriver } from '../raw-driver/open-raw-driver.js';
import type { RawDriver, RawSessionRow } from '../raw-driver/raw-driver.js';

/** Connections per pool on both sides (our default), so the comparison is about code, not pool size. */
export const benchPoolSize = 10;

/** The agent name every benchmark session belongs to. */
export const benchAppName = 'bench-agent';

/**
 * Ours and the reference on one provider: our session service on a freshly migrated database (plus a raw
 * driver on that same database for bulk seeding), and the raw driver alone on a second database
 * migrated the same way, so both sides have identical tables and indexes but never share rows or locks.
 */
export interface StorePair {
  provider: DatabaseProvider;
  database: AgentDatabase;
  service: SessionService;
  /** Raw driver on our database: seeding, and the least-SQL append figures (never ours). */
  seeder: RawDriver;
  /** Raw driver on the reference database: the timed reference. */
  reference: RawDriver;
  /** Creates an empty session on both sides; returns our key and the reference pk. */
  createSession(
    sessionId: string,
    userId?: string,
  ): Promise<{ key: SessionKey; referencePk: number }>;
  /** Closes every connection and drops both databases. */
  close(): Promise<void>;
}

/** Creates, migrates and opens both databases of a provider on the local test servers. */
export async function openStorePair(provider: DatabaseProvider): Promise<StorePair> {
  const created: TestDatabase[] = [];
  const closers: (() => Promise<void>)[] = [];
  try {
    const oursDb = await createTestDatabase(provider);
    created.push(oursDb);
    const referenceDb = await createTestDatabase(provider);
    created.push(referenceDb);
    const pool = { max_connections: benchPoolSize };
    const database = await openDatabase({ url: oursDb.url, schema: 'agent', pool });
    closers.push(() => database.close());
    // Migrate the reference with the same runner, then leave it to the bare driver.
    const migrated = await openDatabase({ url: referenceDb.url, schema: 'agent', pool });
    await migrated.close();
    const service = createSessionService({ type: 'sql', database });
    closers.push(() => service.close());
    const seeder = openRawDriver(oursDb.url, benchPoolSize);
    closers.push(() => seeder.close());
    const reference = openRawDriver(referenceDb.url, benchPoolSize);
    closers.push(() => reference.close());
    return {
      provider,
      database,
      service,
      seeder,
      reference,
      createSession: async (sessionId, userId = 'bench-user') => {
        const key = { appName: benchAppName, userId, sessionId };
        await service.createSession(key);
        const pks = await reference.insertSessions([emptySessionRow(key)]);
        return { key, referencePk: pks.get(sessionId) as number };
      },
      close: async () => {
        for (const close of closers.reverse()) await close().catch(() => undefined);
        for (const test of created) await test.drop().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    for (const test of created) await test.drop().catch(() => undefined);
    throw error;
  }
}

/** A session row as createSession leaves it: empty state, no events. */
export function emptySessionRow(key: SessionKey, at: Date = new Date()): RawSessionRow {
  return {
    appName: key.appName,
    userId: key.userId,
    id: key.sessionId,
    state: '{}',
    lastSeq: 0,
    compactionSeq: null,
    createdAt: at,
    updatedAt: at,
  };
}
