import type { DatabaseProvider } from '../database-types.js';

/**
 * Prisma's own `_prisma_migrations` table per provider (same columns, types and defaults as its
 * schema engine creates), with IF NOT EXISTS since our runner creates it inside the migration lock.
 */
export const migrationsTableDdl: Record<DatabaseProvider, string> = {
  postgresql: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`,
  mysql: `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             DATETIME(3),
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          DATETIME(3),
    started_at              DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    applied_steps_count     INTEGER UNSIGNED NOT NULL DEFAULT 0
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
  sqlite: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`,
};

/** The current time as each provider stores it: Prisma writes SQLite timestamps as Unix milliseconds. */
export function nowExpression(provider: DatabaseProvider): string {
  switch (provider) {
    case 'postgresql':
      return 'now()';
    case 'mysql':
      return 'CURRENT_TIMESTAMP(3)';
    case 'sqlite':
      return "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)";
  }
}

/** One row of `_prisma_migrations`, as the runner reads it. */
export interface MigrationRecord {
  id: string;
  checksum: string;
  migrationName: string;
  finished: boolean;
  rolledBack: boolean;
  logs: string | null;
}

/** Lists the recorded migrations in the order they were started. */
export const selectMigrationsSql =
  'SELECT id, checksum, finished_at, migration_name, logs, rolled_back_at FROM _prisma_migrations ORDER BY started_at, migration_name';
