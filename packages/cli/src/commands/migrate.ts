import type { Command } from 'commander';
import {
  MeshError,
  loadConfigFile,
  migrateDatabase,
  redactDatabaseUrl,
  type DatabaseOptions,
  type DatabaseSchemaName,
  type MigrationResult,
} from '@agent-mesh/shared';

/** Options of `agent-mesh migrate`: a config file, or a URL and schema for operators. */
export interface MigrateCommandOptions {
  config?: string;
  url?: string;
  schema?: string;
  migrationsDir?: string;
}

/**
 * Applies pending migrations to the database a config file (or `--url` with `--schema`) names and
 * returns the lines to print; a memory session service has nothing to migrate.
 */
export async function runMigrateCommand(options: MigrateCommandOptions): Promise<string[]> {
  const target = await resolveTarget(options);
  if (typeof target === 'string') return [target];
  const result = await migrateDatabase({
    ...target,
    ...(options.migrationsDir === undefined ? {} : { migrationsDir: options.migrationsDir }),
  });
  return [describeResult(target.schema, target.url, result)];
}

/** Registers `agent-mesh migrate`. */
export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (also done automatically at start-up).')
    .option(
      '-c, --config <file>',
      'gateway or agent YAML file whose session_service database to migrate',
    )
    .option(
      '--url <database-url>',
      'database URL, e.g. postgresql://user@host:5432/agent (with --schema)',
    )
    .option('--schema <schema>', 'which database the URL holds: gateway or agent')
    .option('--migrations-dir <dir>', 'migrations folder (default: the shipped prisma/migrations)')
    .action(async (options: MigrateCommandOptions) => {
      for (const line of await runMigrateCommand(options)) process.stdout.write(`${line}\n`);
    });
}

type Target = Pick<DatabaseOptions, 'url' | 'schema' | 'pool'>;

async function resolveTarget(options: MigrateCommandOptions): Promise<Target | string> {
  if (options.config !== undefined && options.url !== undefined) {
    throw usage(
      'Pass either --config <file> or --url <database-url> --schema <gateway|agent>, not both.',
    );
  }
  if (options.url !== undefined) {
    if (options.schema !== 'gateway' && options.schema !== 'agent') {
      throw usage(
        options.schema === undefined
          ? '--url needs --schema gateway or --schema agent (which database the URL holds).'
          : `--schema must be gateway or agent, not "${options.schema}".`,
      );
    }
    return { url: options.url, schema: options.schema };
  }
  if (options.config === undefined) {
    throw usage(
      'Say what to migrate: --config <file>, or --url <database-url> --schema <gateway|agent>.',
    );
  }
  const loaded = await loadConfigFile(options.config);
  const sessionService =
    loaded.kind === 'gateway' ? loaded.config.session_service : loaded.config.session_service;
  const owner = loaded.kind === 'gateway' ? 'The gateway' : `Agent "${loaded.config.name}"`;
  if (sessionService.type !== 'sql') {
    return `${owner} uses the memory session service (${options.config}): nothing to migrate.`;
  }
  return { url: sessionService.database_url, schema: loaded.kind, pool: sessionService.pool };
}

function describeResult(schema: DatabaseSchemaName, url: string, result: MigrationResult): string {
  const where = `the ${schema} database (${redactDatabaseUrl(url)})`;
  if (result.applied.length === 0) {
    return `${capitalise(where)} is up to date: ${count(result.alreadyApplied.length)} already applied.`;
  }
  return `Applied ${count(result.applied.length)} to ${where}: ${result.applied.join(', ')}.`;
}

function count(n: number): string {
  return `${n} migration${n === 1 ? '' : 's'}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function usage(message: string): MeshError {
  return new MeshError('REQUEST_INVALID', message);
}
