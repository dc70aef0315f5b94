import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MeshError } from '../../errors/mesh-error.js';
import { resolvePoolConfig } from '../connection-settings.js';
import { describeCause } from '../database-errors.js';
import type {
  DatabaseOptions,
  DatabaseProvider,
  DatabaseSchemaName,
  MigrationResult,
} from '../database-types.js';
import { parseDatabaseUrl } from '../parse-database-url.js';
import { openMigrationConnection } from './migration-connection.js';
import { findMigrationsRoot, readMigrations } from './read-migrations.js';
import { runMigrations } from './run-migrations.js';

/**
 * Applies the pending migrations of one schema to the database at `url` under a database lock, so
 * many processes starting together are safe, and records them in `_prisma_migrations` as Prisma does.
 * Migrations come from the repository's `prisma/migrations/<schema>/<provider>/` unless
 * `migrationsDir` points elsewhere. A missing SQLite file, folder or server database is created.
 */
export async function migrateDatabase(
  options: Omit<DatabaseOptions, 'migrate'>,
): Promise<MigrationResult> {
  const parsed = parseDatabaseUrl(options.url);
  const root = options.migrationsDir ?? findMigrationsRoot();
  const migrations = readMigrations(root, options.schema, parsed.provider);
  const foreignMigrationNames = readForeignNames(root, options.schema, parsed.provider);
  const connection = await openMigrationConnection(
    parsed,
    resolvePoolConfig(parsed, options.pool),
    { logger: options.logger },
  );
  try {
    return await runMigrations(connection, migrations, {
      schema: options.schema,
      logger: options.logger,
      foreignMigrationNames,
    });
  } catch (error) {
    if (error instanceof MeshError) throw error;
    throw new MeshError(
      'MIGRATION_FAILED',
      `Migrating the ${options.schema} database at ${parsed.redacted} failed: ${describeCause(error)}`,
      { url: parsed.redacted },
      { cause: error },
    );
  } finally {
    await connection.close().catch(() => undefined);
  }
}

function readForeignNames(
  root: string,
  schema: DatabaseSchemaName,
  provider: DatabaseProvider,
): Set<string> {
  const other: DatabaseSchemaName = schema === 'agent' ? 'gateway' : 'agent';
  if (!existsSync(join(root, other, provider))) return new Set();
  return new Set(readMigrations(root, other, provider).map((migration) => migration.name));
}
