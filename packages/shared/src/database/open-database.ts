import { MeshError } from '../errors/mesh-error.js';
import type {
  AgentDatabase,
  DatabaseOptions,
  GatewayDatabase,
} from './database-types.js';

/**
 * Opens the database a URL points to through the matching Prisma driver adapter (SQLite, PostgreSQL,
 * MySQL/MariaDB), applies pending migrations under a database lock unless `migrate: false`, and
 * returns the client; an unreachable server is DATABASE_UNAVAILABLE naming host, port and database.
 */
export function openDatabase(options: DatabaseOptions & { schema: 'agent' }): Promise<AgentDatabase>;
export function openDatabase(options: DatabaseOptions & { schema: 'gateway' }): Promise<GatewayDatabase>;
export function openDatabase(options: DatabaseOptions): Promise<AgentDatabase | GatewayDatabase>;
export async function openDatabase(options: DatabaseOptions): Promise<AgentDatabase | GatewayDatabase> {
  throw new MeshError('NOT_IMPLEMENTED', `openDatabase(${options.schema}) is being written`);
}
