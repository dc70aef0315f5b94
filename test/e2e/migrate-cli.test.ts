import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  withDatabase,
  testMysqlAdminUrl,
  testPostgresAdminUrl,
} from '@agent-mesh/shared/testing';
import { cliEntry, createTempDir, fixturePath, repoRoot } from './helpers/index.js';

// `agent-mesh migrate` as an operator runs it: the built CLI, SQLAlchemy-style URLs copied from Python
// configs, and --config with fixture YAML. Needs `npx tsc -b` first.
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runMigrate(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [cliEntry, 'migrate', ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderr })),
  );
}

async function serverDatabase(provider: 'postgresql' | 'mysql'): Promise<string> {
  const database = await createTestDatabase(provider);
  cleanups.push(() => database.drop());
  return database.name;
}

const tempDir = createTempDir('migrate-cli');
cleanups.push(() => tempDir.remove());

describe.concurrent('agent-mesh migrate (built CLI)', () => {
  it('migrates a PostgreSQL gateway database given as postgresql+asyncpg://, then reports it up to date', async () => {
    const name = await serverDatabase('postgresql');
    const url = withDatabase(testPostgresAdminUrl, name).replace(
      /^postgresql:/,
      'postgresql+asyncpg:',
    );
    expect(url).toBe(`postgresql+asyncpg://postgres@127.0.0.1:5432/${name}`);

    const first = await runMigrate(['--url', url, '--schema', 'gateway']);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(
      /^Applied 2 migrations to the gateway database \(postgresql\+asyncpg:\/\/.*\): \d{14}_init, \d{14}_session_compactions\.\n$/,
    );
    expect(first.status).toBe(0);

    const second = await runMigrate(['--url', url, '--schema', 'gateway']);
    expect(second.stdout).toContain('is up to date: 2 migrations already applied.');
    expect(second.status).toBe(0);
  });

  it('migrates a MariaDB agent database given as mysql+pymysql://', async () => {
    const name = await serverDatabase('mysql');
    const url = withDatabase(testMysqlAdminUrl, name).replace(/^mysql:/, 'mysql+pymysql:');
    expect(url).toBe(`mysql+pymysql://root@127.0.0.1:3306/${name}`);
    const result = await runMigrate(['--url', url, '--schema', 'agent']);
    expect(result.stdout).toMatch(/^Applied 2 migrations to the agent database/);
    expect(result.status).toBe(0);
  });

  it('migrates the SQLite database of an agent YAML, relative to the current directory', async () => {
    const result = await runMigrate(['--config', fixturePath('agents/recall-sql.yaml')], {
      cwd: tempDir.path,
      env: { AGENT_DATABASE_URL: 'sqlite:///data/agent-assistant.db' },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(
      /^Applied 2 migrations to the agent database \(sqlite:\/\/\/data\/agent-assistant\.db\)/,
    );
    expect(result.status).toBe(0);
    expect(existsSync(join(tempDir.path, 'data', 'agent-assistant.db'))).toBe(true);
  });

  it('migrates the database of a gateway YAML', async () => {
    const name = await serverDatabase('postgresql');
    const config = tempDir.write(
      'gateway.yaml',
      [
        'gateway:',
        '  port: 0',
        '  session_service:',
        '    type: sql',
        '    database_url: ${WEB_UI_GATEWAY_DATABASE_URL}',
        '    pool: { max_connections: 2 }',
        '  agents:',
        '    - { name: assistant, url: http://127.0.0.1:8101 }',
        '',
      ].join('\n'),
    );
    const result = await runMigrate(['--config', config], {
      env: { WEB_UI_GATEWAY_DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${name}` },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^Applied 2 migrations to the gateway database/);
    expect(result.status).toBe(0);
  });

  it('says there is nothing to migrate for a memory session service', async () => {
    const result = await runMigrate(['--config', fixturePath('agents/recall-memory.yaml')]);
    expect(result.stdout).toContain('Agent "assistant" uses the memory session service');
    expect(result.stdout).toContain('nothing to migrate');
    expect(result.status).toBe(0);
  });

  it('refuses an edited migration with exit 1, naming it, without a stack trace', async () => {
    const url = `sqlite:///${join(tempDir.path, 'edited', 'gateway.db')}`;
    expect((await runMigrate(['--url', url, '--schema', 'gateway'])).status).toBe(0);
    const migrations = join(tempDir.path, 'migrations-copy');
    cpSync(join(repoRoot, 'prisma', 'migrations'), migrations, { recursive: true });
    const folder = join(migrations, 'gateway', 'sqlite');
    const [name] = readdirSync(folder).filter((entry) => !entry.endsWith('.toml'));
    const file = join(folder, name ?? '', 'migration.sql');
    writeFileSync(file, `${readFileSync(file, 'utf8')}-- edited\n`);

    const result = await runMigrate([
      '--url',
      url,
      '--schema',
      'gateway',
      '--migrations-dir',
      migrations,
    ]);
    expect(result.stderr).toMatch(
      new RegExp(`^agent-mesh: Migration ${name} was changed after it was applied`),
    );
    expect(result.stderr).not.toContain('    at ');
    expect(result.status).toBe(1);
  });

  it('reports an unreachable server with exit 1 and the host, port and database', async () => {
    const result = await runMigrate([
      '--url',
      'postgresql://postgres:pw@127.0.0.1:9/agent',
      '--schema',
      'agent',
    ]);
    expect(result.stderr).toContain(
      'Cannot connect to the PostgreSQL database "agent" at 127.0.0.1:9',
    );
    expect(result.stderr).not.toContain(':pw@');
    expect(result.status).toBe(1);
  });

  it('rejects a missing --schema and an unknown URL scheme with exit 2', async () => {
    const [noSchema, badScheme] = await Promise.all([
      runMigrate(['--url', 'sqlite:///x.db']),
      runMigrate(['--url', 'oracle://u@h/db', '--schema', 'agent']),
    ]);
    expect(noSchema.stderr).toContain('--url needs --schema gateway or --schema agent');
    expect(noSchema.status).toBe(2);
    expect(badScheme.stderr).toContain('Unsupported database URL scheme "oracle"');
    expect(badScheme.status).toBe(2);
  });
});
