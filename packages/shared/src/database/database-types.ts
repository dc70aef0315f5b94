import type { PoolConfig } from '../config/agent-config.js';
import type { Logger } from '../logging/create-logger.js';
import type { PrismaClient as AgentPostgresqlClient } from './generated/agent-postgresql/client.js';
import type { PrismaClient as GatewayPostgresqlClient } from './generated/gateway-postgresql/client.js';
import type { SqlDriver } from './sql-driver/index.js';

/** The database engines agent-mesh runs on; MariaDB counts as `mysql`. */
export type DatabaseProvider = 'sqlite' | 'postgresql' | 'mysql';

/** The two databases agent-mesh keeps: the gateway's chat history and an agent's sessions. */
export type DatabaseSchemaName = 'gateway' | 'agent';

/** What `openDatabase` and `migrateDatabase` need: the URL from YAML and which schema lives there. */
export interface DatabaseOptions {
  /** Any accepted URL form, e.g. `sqlite:///data/agent.db` or `postgresql+asyncpg://user@host/db`. */
  url: string;
  schema: DatabaseSchemaName;
  pool?: Partial<PoolConfig>;
  logger?: Logger;
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** Folder holding `<schema>/<provider>/<name>/migration.sql`; default: the repository's prisma/migrations. */
  migrationsDir?: string;
}

/** A database URL taken apart; `redacted` is the URL with any password replaced, safe to print. */
export interface ParsedDatabaseUrl {
  provider: DatabaseProvider;
  /** SQLite only: absolute path of the database file (or `:memory:`). */
  sqlitePath?: string;
  host?: string;
  port?: number;
  /** Unix socket folder (PostgreSQL `?host=/var/run/postgresql`) or socket file (MySQL `?unix_socket=`). */
  socketPath?: string;
  user?: string;
  password?: string;
  database?: string;
  /** Query parameters not consumed above (e.g. `sslmode`, `ssl`), passed on to the driver where meaningful. */
  params: Record<string, string>;
  redacted: string;
}

/** The Prisma client of the agent database; the SQLite and MySQL clients have the same API. */
export type AgentPrismaClient = AgentPostgresqlClient;

/** The Prisma client of the gateway database; the SQLite and MySQL clients have the same API. */
export type GatewayPrismaClient = GatewayPostgresqlClient;

/**
 * How the connection pool of an open database is used now. `max` is `pool.max_connections` (1 for
 * SQLite, which has one connection per client); the counts are present when the driver reports them.
 */
export interface DatabasePoolStats {
  provider: DatabaseProvider;
  max: number;
  /** Connections open now (busy and idle). */
  open?: number;
  /** Connections running a query or transaction. */
  inUse?: number;
  idle?: number;
  /** Requests waiting for a free connection. */
  waiting?: number;
}

/** An open database: the Prisma client plus what callers need to write provider-specific raw SQL. */
export interface OpenedDatabase<Client> {
  provider: DatabaseProvider;
  schema: DatabaseSchemaName;
  /** The URL with any password redacted, for logs and messages. */
  url: string;
  /**
   * The Prisma client. Raw SQL goes through `client.$queryRawUnsafe(sql, ...values)` /
   * `$executeRawUnsafe`; placeholders are `$1, $2` on PostgreSQL and `?` on SQLite and MySQL.
   */
  client: Client;
  /**
   * The database's own driver on the client's connection or pool, for hot paths where Prisma's
   * per-statement cost matters (the session store); same placeholders as above.
   */
  driver: SqlDriver;
  /** Checks the database answers (`SELECT 1`); throws DATABASE_UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  /** The pool's size and use now (see DatabasePoolStats), for /readyz and /metrics. */
  poolStats(): DatabasePoolStats;
  /** Closes the client and its pool. */
  close(): Promise<void>;
}

/** An open, migrated agent database. */
export type AgentDatabase = OpenedDatabase<AgentPrismaClient>;

/** An open, migrated gateway database. */
export type GatewayDatabase = OpenedDatabase<GatewayPrismaClient>;

/** What a migration run did: names applied now and names found already applied, in order. */
export interface MigrationResult {
  provider: DatabaseProvider;
  applied: string[];
  alreadyApplied: string[];
}

/** Rows of the agent database, as the Prisma client returns them. */
export type {
  AgentSession,
  AgentEvent,
  AppState,
  UserState,
  A2aTask,
  Prisma as AgentPrisma,
} from './generated/agent-postgresql/client.js';

/** Rows of the gateway database, as the Prisma client returns them. */
export type {
  ChatSession,
  ChatTask,
  TaskEvent,
  Feedback,
  WebSession,
  GatewaySetting,
  Prisma as GatewayPrisma,
} from './generated/gateway-postgresql/client.js';
