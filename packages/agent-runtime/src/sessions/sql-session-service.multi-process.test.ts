import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@agent-mesh/shared';
import { createTestDatabase, testDatabaseProviders } from '@agent-mesh/shared/testing';
import { describe, expect, it } from 'vitest';
import { SqlSessionService } from './sql-session-service.js';

const worker = fileURLToPath(new URL('./sql-append-worker.fixture.ts', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');
const perProcess = 25;

/** Resolves with the next stdout line of a child, or rejects with its stderr when it exits first. */
function nextLine(
  child: ChildProcessWithoutNullStreams,
  state: { buffer: string; stderr: string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const newline = state.buffer.indexOf('\n');
      if (newline < 0) return false;
      const line = state.buffer.slice(0, newline);
      state.buffer = state.buffer.slice(newline + 1);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      resolve(line);
      return true;
    };
    const onData = (): void => void check();
    const onExit = (code: number | null): void => {
      if (!check()) reject(new Error(`worker exited with ${code}: ${state.stderr}`));
    };
    if (check()) return;
    child.stdout.on('data', onData);
    child.once('exit', onExit);
  });
}

describe.each(testDatabaseProviders.filter((provider) => provider !== 'mysql'))(
  'SqlSessionService with two OS processes on one %s database',
  (provider) => {
    it('stores every append of both processes exactly once, gap-free, with every state delta', async () => {
      const testDatabase = await createTestDatabase(provider);
      const database = await openDatabase({ url: testDatabase.url, schema: 'agent' });
      try {
        const service = new SqlSessionService(database);
        const key = { appName: 'agent', userId: 'user', sessionId: `web-session-${randomUUID()}` };
        await service.createSession(key);

        const children = ['p1', 'p2'].map((name) => {
          const child = spawn(
            process.execPath,
            [
              '--conditions=source',
              '--import',
              tsx,
              worker,
              testDatabase.url,
              JSON.stringify(key),
              name,
              String(perProcess),
            ],
            { stdio: 'pipe' },
          );
          const state = { buffer: '', stderr: '' };
          child.stdout.on('data', (chunk: Buffer) => (state.buffer += chunk.toString('utf8')));
          child.stderr.on('data', (chunk: Buffer) => (state.stderr += chunk.toString('utf8')));
          return { name, child, state };
        });
        try {
          for (const { child, state } of children)
            expect(await nextLine(child, state)).toBe('ready');
          for (const { child } of children) child.stdin.write('go\n');
          const results = await Promise.all(
            children.map(
              async ({ child, state }) =>
                JSON.parse(await nextLine(child, state)) as { seqs: number[] },
            ),
          );
          const allSeqs = results.flatMap((result) => result.seqs).sort((a, b) => a - b);
          expect(allSeqs).toEqual(Array.from({ length: 2 * perProcess }, (_, index) => index + 1));
        } finally {
          for (const { child } of children) child.kill();
        }

        const page = await service.listEvents(key, { limit: 1000 });
        expect(page.events.map((event) => event.seq)).toEqual(
          Array.from({ length: 2 * perProcess }, (_, index) => index + 1),
        );
        expect(new Set(page.events.map((event) => event.invocationId)).size).toBe(2 * perProcess);
        const state = (await service.getSession(key))?.state ?? {};
        for (const name of ['p1', 'p2']) {
          for (let index = 0; index < perProcess; index += 1) {
            expect(state[`${name}-${index}`]).toBe(index);
            expect(state[`user:${name}-${index}`]).toBe(index % 2 === 1 ? index : undefined);
          }
        }
      } finally {
        await database.close();
        await testDatabase.drop();
      }
    });
  },
);
