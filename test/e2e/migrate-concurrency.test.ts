import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  testDatabaseProviders,
  type TestDatabase,
} from '@agent-mesh/shared/testing';
import { openDatabase } from '@agent-mesh/shared';

// Eight real processes running the built `agent-mesh migrate` command against the same empty database,
// released at the same moment once loaded: the migration lock must let exactly one apply each migration.
const script = fileURLToPath(
  new URL('../fixtures/scripts/migrate-when-released.mjs', import.meta.url),
);
const processCount = 8;
/** The agent migrations the repository ships for a provider. */
const shippedAgentMigrations = (provider: string): string[] =>
  readdirSync(fileURLToPath(new URL(`../../prisma/migrations/agent/${provider}/`, import.meta.url)))
    .filter((name) => !name.endsWith('.toml'))
    .sort();

interface Outcome {
  code: number | null;
  output: string;
}

function startReleasable(args: string[]): {
  ready: Promise<void>;
  release(): void;
  done: Promise<Outcome>;
} {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<Outcome>((resolve) =>
    child.on('close', (code) => resolve({ code, output })),
  );
  return {
    ready: Promise.race([
      ready,
      done.then((outcome) => Promise.reject(new Error(`exited early: ${outcome.output}`))),
    ]),
    release: () => child.stdin.end('go\n'),
    done,
  };
}

describe.each(testDatabaseProviders)(
  'agent-mesh migrate from 8 processes at once on %s',
  (provider) => {
    const databases: TestDatabase[] = [];
    afterAll(async () => {
      for (const database of databases) await database.drop();
    });

    it(`applies each migration exactly once and every process exits 0`, async () => {
      const database = await createTestDatabase(provider);
      databases.push(database);
      const processes = Array.from({ length: processCount }, () =>
        startReleasable(['--url', database.url, '--schema', 'agent']),
      );
      await Promise.all(processes.map((process) => process.ready));
      for (const process of processes) process.release();
      const outcomes = await Promise.all(processes.map((process) => process.done));

      for (const outcome of outcomes) expect(outcome, outcome.output).toMatchObject({ code: 0 });
      const shipped = shippedAgentMigrations(provider);
      const appliedBy = outcomes.filter((outcome) =>
        outcome.output.includes(`Applied ${shipped.length} migration`),
      );
      const upToDate = outcomes.filter((outcome) => outcome.output.includes('is up to date'));
      expect(appliedBy).toHaveLength(1);
      expect(upToDate).toHaveLength(processCount - 1);

      const opened = await openDatabase({ url: database.url, schema: 'agent', migrate: false });
      try {
        const rows = await opened.client.$queryRawUnsafe<
          Array<{ migration_name: string; finished: unknown }>
        >('SELECT migration_name, finished_at AS finished FROM _prisma_migrations');
        expect(rows.map((row) => row.migration_name).sort()).toEqual(shipped);
        for (const row of rows) expect(row.finished).not.toBeNull();
        // The tables exist and work.
        expect(await opened.client.agentSession.count()).toBe(0);
      } finally {
        await opened.close();
      }
    });
  },
);
