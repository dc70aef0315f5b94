import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MeshError } from '../../errors/mesh-error.js';
import type { DatabaseProvider, DatabaseSchemaName } from '../database-types.js';

/** One migration folder: `<name>/migration.sql`, with Prisma's checksum of the script. */
export interface Migration {
  name: string;
  /** Absolute path of migration.sql, for error messages. */
  file: string;
  script: string;
  /** sha256 hex of the migration.sql bytes, as Prisma records it in `_prisma_migrations.checksum`. */
  checksum: string;
}

/**
 * Finds the repository's `prisma/migrations` folder by walking up from this module, so the same
 * lookup works from sources (src/database/migrations) and from the build (dist/database/migrations).
 */
export function findMigrationsRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let current = resolve(from);
  for (;;) {
    const candidate = join(current, 'prisma', 'migrations');
    if (existsSync(join(candidate, 'agent')) || existsSync(join(candidate, 'gateway')))
      return candidate;
    const parent = dirname(current);
    if (parent === current) {
      throw new MeshError(
        'MIGRATION_FAILED',
        `Cannot find the prisma/migrations folder above ${from}. Pass migrationsDir to point at it.`,
      );
    }
    current = parent;
  }
}

/** Sha256 hex of a migration script, Prisma's `_prisma_migrations.checksum`. */
export function computeMigrationChecksum(script: string | Buffer): string {
  return createHash('sha256').update(script).digest('hex');
}

/**
 * Tells whether a recorded checksum belongs to a script, ignoring CRLF/LF differences as Prisma does
 * (git may rewrite line endings on checkout).
 */
export function checksumMatches(script: string, checksum: string): boolean {
  const unix = script.replace(/\r\n/g, '\n');
  return [script, unix, unix.replace(/\n/g, '\r\n')].some(
    (variant) => computeMigrationChecksum(variant) === checksum,
  );
}

/**
 * Reads `<root>/<schema>/<provider>/*\/migration.sql` in name order and checks `migration_lock.toml`
 * names the same provider (as `prisma migrate` does).
 */
export function readMigrations(
  root: string,
  schema: DatabaseSchemaName,
  provider: DatabaseProvider,
): Migration[] {
  const folder = join(root, schema, provider);
  if (!existsSync(folder)) {
    throw new MeshError(
      'MIGRATION_FAILED',
      `No ${provider} migrations for the ${schema} database in ${folder}.`,
      { folder },
    );
  }
  checkLockFile(folder, provider);
  return readdirSync(folder)
    .filter((name) => statSync(join(folder, name)).isDirectory())
    .sort()
    .map((name) => {
      const file = join(folder, name, 'migration.sql');
      if (!existsSync(file)) {
        throw new MeshError(
          'MIGRATION_FAILED',
          `Migration folder ${join(folder, name)} has no migration.sql.`,
          {
            migration: name,
          },
        );
      }
      const bytes = readFileSync(file);
      return {
        name,
        file,
        script: bytes.toString('utf8'),
        checksum: computeMigrationChecksum(bytes),
      };
    });
}

function checkLockFile(folder: string, provider: DatabaseProvider): void {
  const lockFile = join(folder, 'migration_lock.toml');
  if (!existsSync(lockFile)) return;
  const match = /^\s*provider\s*=\s*"([^"]*)"/m.exec(readFileSync(lockFile, 'utf8'));
  if (match && match[1] !== provider) {
    throw new MeshError(
      'MIGRATION_FAILED',
      `${lockFile} says provider "${match[1]}" but the folder holds ${provider} migrations.`,
      { file: lockFile },
    );
  }
}
