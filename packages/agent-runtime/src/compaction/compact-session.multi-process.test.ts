import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { openDatabase, type AgentDatabase } from '@agent-mesh/shared';
import {
  createTestDatabase,
  testDatabaseProviders,
  type TestDatabase,
} from '@agent-mesh/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionKey } from '../sessions/session-service.js';
import { SqlSessionService } from '../sessions/sql-session-service.js';
import type { CompactionResult } from './compact-session.js';
import { lockerExchanges, seedConversation } from './testing/seed-conversation.js';

const worker = fileURLToPath(
  new URL('./testing/compact-session-worker.fixture.ts', import.meta.url),
);
const tsx = createRequire(import.meta.url).resolve('tsx');

interface Child {
  process: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
}

/** Resolves with the next stdout line of a child, or rejects with its stderr when it exits first. */
function nextLine(child: Child): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const newline = child.stdout.indexOf('\n');
      if (newline < 0) return false;
      const line = child.stdout.slice(0, newline);
      child.stdout = child.stdout.slice(newline + 1);
      child.process.stdout.off('data', check);
      child.process.off('exit', onExit);
      resolve(line);
      return true;
    };
    const onExit = (code: number | null): void => {
      if (!check()) reject(new Error(`worker exited with ${code}: ${child.stderr}`));
    };
    if (check()) return;
    child.process.stdout.on('data', check);
    child.process.once('exit', onExit);
  });
}

/** Starts `count` worker processes on one session, releases them together, and returns their results. */
async function race(
  url: string,
  key: SessionKey,
  lockMode: 'database' | 'none',
  count = 2,
): Promise<CompactionResult[]> {
  const children: Child[] = Array.from({ length: count }, () => {
    const child: Child = {
      process: spawn(
        process.execPath,
        ['--conditions=source', '--import', tsx, worker, url, JSON.stringify(key), lockMode],
        {
          stdio: 'pipe',
        },
      ),
      stdout: '',
      stderr: '',
    };
    child.process.stdout.on('data', (chunk: Buffer) => (child.stdout += chunk.toString('utf8')));
    child.process.stderr.on('data', (chunk: Buffer) => (child.stderr += chunk.toString('utf8')));
    return child;
  });
  try {
    for (const child of children) expect(await nextLine(child)).toBe('ready');
    for (const child of children) child.process.stdin.write('go\n');
    return await Promise.all(
      children.map(async (child) => JSON.parse(await nextLine(child)) as CompactionResult),
    );
  } finally {
    for (const child of children) child.process.kill();
  }
}

/** The databases each check runs on: the race everywhere, its slow control on one (PostgreSQL when there). */
const controlProviders = testDatabaseProviders.includes('postgresql')
  ? ['postgresql' as const]
  : testDatabaseProviders.slice(0, 1);

/** Opens a fresh test database with the session service, closed and dropped after the suite. */
function useDatabase(provider: (typeof testDatabaseProviders)[number]): {
  url: () => string;
  sessions: () => SqlSessionService;
} {
  let testDatabase: TestDatabase;
  let database: AgentDatabase;
  let sessions: SqlSessionService;
  beforeAll(async () => {
    testDatabase = await createTestDatabase(provider);
    database = await openDatabase({ url: testDatabase.url, schema: 'agent' });
    sessions = new SqlSessionService(database);
  });
  afterAll(async () => {
    await database?.close();
    await testDatabase?.drop();
  });
  return { url: () => testDatabase.url, sessions: () => sessions };
}

async function compactionEvents(sessions: SqlSessionService, key: SessionKey): Promise<number> {
  const page = await sessions.listEvents(key, { limit: 1000 });
  return page.events.filter((event) => event.actions.compaction !== undefined).length;
}

function newKey(): SessionKey {
  return { appName: 'assistant', userId: 'ada', sessionId: `web-session-${randomUUID()}` };
}

describe.each(testDatabaseProviders)(
  'compaction by two OS processes on one %s database',
  (provider) => {
    const db = useDatabase(provider);

    it('produces exactly one compaction when both hit overflow at once', async () => {
      const key = newKey();
      await seedConversation(db.sessions(), key, lockerExchanges(12));
      const results = await race(db.url(), key, 'database');
      expect(results.map((result) => result.status).sort()).toEqual([
        'already-compacted',
        'compacted',
      ]);
      expect(await compactionEvents(db.sessions(), key)).toBe(1);
      const context = await db.sessions().loadForTurn(key);
      expect(context?.summary?.actions.compaction).toMatchObject({
        startSeq: 1,
        endSeq: 6,
        turnsCompacted: 3,
      });
    });
  },
);

describe.each(controlProviders)(
  'compaction by two OS processes without a lock on %s',
  (provider) => {
    const db = useDatabase(provider);

    it('compacts twice (the control that shows the race above is real)', async () => {
      const key = newKey();
      await seedConversation(db.sessions(), key, lockerExchanges(12));
      const results = await race(db.url(), key, 'none');
      expect(results.map((result) => result.status)).toEqual(['compacted', 'compacted']);
      expect(await compactionEvents(db.sessions(), key)).toBe(2);
    });
  },
);
