import { MeshError } from '../../errors/mesh-error.js';
import type { DatabaseOptions, MigrationResult } from '../database-types.js';

/**
 * Applies the pending migrations of one schema to the database at `url` under a database lock, so
 * many processes starting together are safe, and records them in `_prisma_migrations` as Prisma does.
 */
export async function migrateDatabase(
  options: Omit<DatabaseOptions, 'migrate'>,
): Promise<MigrationResult> {
  throw new MeshError('NOT_IMPLEMENTED', `migrateDatabase(${options.schema}) is being written`);
}
