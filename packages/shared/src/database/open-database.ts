import type { Logger } from '../logging/create-logger.js';
import { resolvePoolConfig } from './connection-settings.js';
import { createAdapter, type DatabaseAdapter } from './create-adapter.js';
import { toUnavailableError } from './database-errors.js';
import type {
  AgentDatabase,
  DatabaseOptions,
  DatabasePoolStats,
  DatabaseProvider,
  DatabaseSchemaName,
  GatewayDatabase,
  ParsedDatabaseUrl,
} from './database-types.js';
import { migrateDatabase } from './migrations/migrate-database.js';
import { openMigrationConnection } from './migrations/migration-connection.js';
import { parseDatabaseUrl } from './parse-database-url.js';
import type { SqlDriver } from './sql-driver/index.js';

/** What every generated client has; the per-provider clients differ only in their generated types. */
interface AnyPrismaClient {
  $connect(): Promise<void>;
  $disconnect(): Promise<void>;
  $queryRawUnsafe(query: string, ...values: unknown[]): Promise<unknown>;
}
type ClientConstructor = new (options: { adapter: DatabaseAdapter }) => AnyPrismaClient;

// One generated client per (schema, provider); import only the one a URL needs.
const clientLoaders: Record<`${DatabaseSchemaName}-${DatabaseProvider}`, () => Promise<unknown>> = {
  'agent-sqlite': () => import('./generated/agent-sqlite/client.js'),
  'agent-postgresql': () => import('./generated/agent-postgresql/client.js'),
  'agent-mysql': () => import('./generated/agent-mysql/client.js'),
  'gateway-sqlite': () => import('./generated/gateway-sqlite/client.js'),
  'gateway-postgresql': () => import('./generated/gateway-postgresql/client.js'),
  'gateway-mysql': () => import('./generated/gateway-mysql/client.js'),
};

/**
 * Opens the database a URL points to through the matching Prisma driver adapter (SQLite, PostgreSQL,
 * MySQL/MariaDB), applies pending migrations under a database lock unless `migrate: false`, and
 * returns the client; an unreachable server is DATABASE_UNAVAILABLE naming host, port and database.
 */
export function openDatabase(
  options: DatabaseOptions & { schema: 'agent' },
): Promise<AgentDatabase>;
export function openDatabase(
  options: DatabaseOptions & { schema: 'gateway' },
): Promise<GatewayDatabase>;
export function openDatabase(options: DatabaseOptions): Promise<AgentDatabase | GatewayDatabase>;
export async function openDatabase(
  options: DatabaseOptions,
): Promise<AgentDatabase | GatewayDatabase> {
  const parsed = parseDatabaseUrl(options.url);
  const pool = resolvePoolConfig(parsed, options.pool);
  if (options.migrate === false) {
    // One plain driver connection first: its errors (refused, bad password, unknown database) are
    // far clearer than a pool timeout from the Prisma client.
    const probe = await openMigrationConnection(parsed, pool, { createMissing: false });
    await probe.close();
  } else {
    const result = await migrateDatabase(options);
    if (result.applied.length > 0) {
      options.logger?.info(
        { schema: options.schema, applied: result.applied, url: parsed.redacted },
        'Database migrated',
      );
    }
  }
  const { client, poolStats, driver, stopBackground } = await connectClient(
    parsed,
    options.schema,
    pool,
    options.logger,
  );
  const ping = async (): Promise<void> => {
    try {
      await client.$queryRawUnsafe('SELECT 1');
    } catch (error) {
      throw toUnavailableError(parsed, error);
    }
  };
  return {
    provider: parsed.provider,
    schema: options.schema,
    url: parsed.redacted,
    client: client as never,
    driver,
    ping,
    poolStats,
    close: async () => {
      await client.$disconnect();
      await stopBackground();
    },
  };
}

async function connectClient(
  parsed: ParsedDatabaseUrl,
  schema: DatabaseSchemaName,
  pool: ReturnType<typeof resolvePoolConfig>,
  logger: Logger | undefined,
): Promise<{
  client: AnyPrismaClient;
  poolStats: () => DatabasePoolStats;
  driver: SqlDriver;
  stopBackground: () => Promise<void>;
}> {
  const [{ adapter, endPool, poolStats, driver, stopBackground }, module] = await Promise.all([
    createAdapter(parsed, pool, logger),
    clientLoaders[`${schema}-${parsed.provider}`](),
  ]);
  const { PrismaClient } = module as { PrismaClient: ClientConstructor };
  const client = new PrismaClient({ adapter });
  try {
    await client.$connect();
    await client.$queryRawUnsafe('SELECT 1');
  } catch (error) {
    await client.$disconnect().catch(() => undefined);
    await endPool();
    throw toUnavailableError(parsed, error);
  }
  return { client, poolStats, driver, stopBackground };
}
