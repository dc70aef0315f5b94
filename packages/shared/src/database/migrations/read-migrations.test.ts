import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  checksumMatches,
  computeMigrationChecksum,
  findMigrationsRoot,
  readMigrations,
} from './read-migrations.js';

const folders: string[] = [];
function tempRoot(): string {
  const folder = mkdtempSync(join(tmpdir(), 'agent-mesh-migrations-'));
  folders.push(folder);
  return folder;
}
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

describe('migration checksums', () => {
  it('is the zero-padded sha256 hex Prisma records', () => {
    expect(computeMigrationChecksum('hello')).toBe(
      '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824',
    );
  });

  it('matches across CRLF and LF line endings but not across edits', () => {
    const unix = 'CREATE TABLE a (x INTEGER);\nCREATE INDEX i ON a(x);\n';
    const windows = unix.replace(/\n/g, '\r\n');
    expect(checksumMatches(windows, computeMigrationChecksum(unix))).toBe(true);
    expect(checksumMatches(unix, computeMigrationChecksum(windows))).toBe(true);
    expect(checksumMatches(`${unix}-- edited\n`, computeMigrationChecksum(unix))).toBe(false);
  });
});

describe('readMigrations', () => {
  it('reads migration folders in name order with their checksums', () => {
    const root = tempRoot();
    const folder = join(root, 'agent', 'sqlite');
    for (const name of ['20260102000000_second', '20260101000000_first']) {
      mkdirSync(join(folder, name), { recursive: true });
      writeFileSync(join(folder, name, 'migration.sql'), `-- ${name}\nSELECT 1;\n`);
    }
    writeFileSync(join(folder, 'migration_lock.toml'), 'provider = "sqlite"\n');
    const migrations = readMigrations(root, 'agent', 'sqlite');
    expect(migrations.map((migration) => migration.name)).toEqual([
      '20260101000000_first',
      '20260102000000_second',
    ]);
    expect(migrations[0]?.checksum).toBe(
      computeMigrationChecksum('-- 20260101000000_first\nSELECT 1;\n'),
    );
  });

  it('refuses a lock file naming another provider', () => {
    const root = tempRoot();
    mkdirSync(join(root, 'agent', 'mysql'), { recursive: true });
    writeFileSync(join(root, 'agent', 'mysql', 'migration_lock.toml'), 'provider = "postgresql"\n');
    expect(() => readMigrations(root, 'agent', 'mysql')).toThrow(/says provider "postgresql"/);
  });

  it('refuses a migration folder without migration.sql, naming it', () => {
    const root = tempRoot();
    mkdirSync(join(root, 'gateway', 'sqlite', '20260101000000_empty'), { recursive: true });
    expect(() => readMigrations(root, 'gateway', 'sqlite')).toThrow(
      /20260101000000_empty has no migration.sql/,
    );
  });

  it('ships one lock file and the same migration names for every provider of a schema', () => {
    const root = findMigrationsRoot();
    for (const schema of ['agent', 'gateway'] as const) {
      const names = (['sqlite', 'postgresql', 'mysql'] as const).map((provider) =>
        readMigrations(root, schema, provider).map((migration) => migration.name),
      );
      expect(names[0]?.length).toBeGreaterThan(0);
      expect(names[1]).toEqual(names[0]);
      expect(names[2]).toEqual(names[0]);
    }
  });
});
