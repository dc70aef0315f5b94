import { randomUUID } from 'node:crypto';
import { relative } from 'node:path';
import { MeshError } from '../../errors/mesh-error.js';
import type { Logger } from '../../logging/create-logger.js';
import { describeCause } from '../database-errors.js';
import type { DatabaseSchemaName, MigrationResult } from '../database-types.js';
import type { MigrationConnection, Row } from './migration-connection.js';
import { withMigrationLock } from './migration-lock.js';
import {
  migrationsTableDdl,
  nowExpression,
  selectMigrationsSql,
  type MigrationRecord,
} from './migrations-table.js';
import { checksumMatches, type Migration } from './read-migrations.js';
import { splitSqlStatements, type SqlStatement } from './split-sql.js';

/** What the runner needs besides the connection and the migrations to apply. */
export interface RunMigrationsOptions {
  schema: DatabaseSchemaName;
  logger?: Logger;
  /** Migration names of the other schema, to recognise a database that holds the wrong one. */
  foreignMigrationNames?: ReadonlySet<string>;
}

/**
 * Applies the pending migrations in name order under the migration lock and records each in
 * `_prisma_migrations` as Prisma does. Refuses to start when an applied migration was edited
 * (MIGRATION_CHECKSUM_MISMATCH) or an earlier one failed half-way (MIGRATION_FAILED).
 * PostgreSQL applies each migration in a transaction, SQLite the whole run; MySQL cannot roll back
 * DDL, so a failure there is recorded with its logs, as Prisma records it.
 */
export async function runMigrations(
  connection: MigrationConnection,
  migrations: readonly Migration[],
  options: RunMigrationsOptions,
): Promise<MigrationResult> {
  return withMigrationLock(
    connection,
    options.schema,
    async () => {
      await connection.query(migrationsTableDdl[connection.provider]);
      const records = (await connection.query(selectMigrationsSql)).map(toRecord);
      const applied = checkHistory(connection, migrations, records, options);
      const pending = migrations.filter((migration) => !applied.has(migration.name));
      for (const migration of pending) {
        await applyMigration(connection, migration, options.logger);
      }
      return {
        provider: connection.provider,
        applied: pending.map((migration) => migration.name),
        alreadyApplied: migrations.filter((m) => applied.has(m.name)).map((m) => m.name),
      };
    },
    options.logger,
  );
}

/** Validates the recorded history against the folder and returns the names already applied. */
function checkHistory(
  connection: MigrationConnection,
  migrations: readonly Migration[],
  records: readonly MigrationRecord[],
  options: RunMigrationsOptions,
): Set<string> {
  const byName = new Map(migrations.map((migration) => [migration.name, migration]));
  const applied = new Set<string>();
  for (const record of records) {
    if (record.rolledBack) continue;
    const migration = byName.get(record.migrationName);
    if (!record.finished) throw failedEarlier(connection, record);
    if (migration === undefined) {
      if (options.foreignMigrationNames?.has(record.migrationName)) {
        const other = options.schema === 'agent' ? 'gateway' : 'agent';
        throw new MeshError(
          'MIGRATION_FAILED',
          `${connection.parsed.redacted} already holds the ${other} database (migration ${record.migrationName}). ` +
            `The gateway and each agent need their own database: point ${options.schema} at another one.`,
          { url: connection.parsed.redacted },
        );
      }
      options.logger?.warn(
        { migration: record.migrationName },
        'The database has a migration this version does not know (was it migrated by a newer version?)',
      );
      continue;
    }
    if (!checksumMatches(migration.script, record.checksum)) {
      throw new MeshError(
        'MIGRATION_CHECKSUM_MISMATCH',
        `Migration ${migration.name} was changed after it was applied to ${connection.parsed.redacted}: ` +
          `the database recorded checksum ${record.checksum}, ${relative(process.cwd(), migration.file)} now has ` +
          `${migration.checksum}. Restore the original file and put the change in a new migration.`,
        { migration: migration.name, recorded: record.checksum, current: migration.checksum },
      );
    }
    applied.add(record.migrationName);
  }
  return applied;
}

async function applyMigration(
  connection: MigrationConnection,
  migration: Migration,
  logger?: Logger,
): Promise<void> {
  const provider = connection.provider;
  const now = nowExpression(provider);
  const id = randomUUID();
  const statements = splitSqlStatements(migration.script, { hashComments: provider === 'mysql' });
  const transactional = provider === 'postgresql'; // SQLite already runs inside BEGIN EXCLUSIVE
  if (transactional) await connection.query('BEGIN');
  await connection.query(
    `INSERT INTO _prisma_migrations (id, checksum, started_at, migration_name, applied_steps_count) VALUES (?, ?, ${now}, ?, 0)`,
    [id, migration.checksum, migration.name],
  );
  for (const statement of statements) {
    try {
      await connection.query(statement.sql);
    } catch (error) {
      if (transactional) await connection.query('ROLLBACK').catch(() => undefined);
      const failure = migrationFailed(connection, migration, statement, error);
      if (provider === 'mysql') {
        await connection
          .query('UPDATE _prisma_migrations SET logs = ? WHERE id = ?', [failure.message, id])
          .catch(() => undefined);
      }
      throw failure;
    }
  }
  await connection.query(
    `UPDATE _prisma_migrations SET finished_at = ${now}, applied_steps_count = 1 WHERE id = ?`,
    [id],
  );
  if (transactional) await connection.query('COMMIT');
  logger?.info({ migration: migration.name }, 'Applied migration');
}

function migrationFailed(
  connection: MigrationConnection,
  migration: Migration,
  statement: SqlStatement,
  error: unknown,
): MeshError {
  const where = `${relative(process.cwd(), migration.file)}:${statement.line}`;
  const text = statement.sql.length > 300 ? `${statement.sql.slice(0, 300)}…` : statement.sql;
  const outcome =
    connection.provider === 'mysql'
      ? 'MySQL cannot roll back DDL, so the database may be partly migrated: undo the partial changes, then ' +
        `run UPDATE _prisma_migrations SET rolled_back_at = CURRENT_TIMESTAMP(3) WHERE migration_name = '${migration.name}' ` +
        'AND finished_at IS NULL (or `prisma migrate resolve --rolled-back`) and start again.'
      : 'The migration was rolled back; fix the cause and start again.';
  return new MeshError(
    'MIGRATION_FAILED',
    `Migration ${migration.name} failed at ${where}: ${describeCause(error)}\n  Statement: ${text}\n  ${outcome}`,
    {
      migration: migration.name,
      file: migration.file,
      line: statement.line,
      statement: statement.sql,
    },
    { cause: error },
  );
}

function failedEarlier(connection: MigrationConnection, record: MigrationRecord): MeshError {
  const logs = record.logs === null || record.logs === '' ? '' : ` Its log: ${record.logs}`;
  return new MeshError(
    'MIGRATION_FAILED',
    `Migration ${record.migrationName} started on ${connection.parsed.redacted} but never finished, so the ` +
      `database may be partly migrated.${logs} Undo the partial changes, then run UPDATE _prisma_migrations ` +
      `SET rolled_back_at = <now> WHERE id = '${record.id}' (or \`prisma migrate resolve --rolled-back ${record.migrationName}\`) and start again.`,
    { migration: record.migrationName },
  );
}

function toRecord(row: Row): MigrationRecord {
  return {
    id: String(row.id),
    checksum: String(row.checksum),
    migrationName: String(row.migration_name),
    finished: row.finished_at !== null && row.finished_at !== undefined,
    rolledBack: row.rolled_back_at !== null && row.rolled_back_at !== undefined,
    logs: typeof row.logs === 'string' ? row.logs : null,
  };
}
