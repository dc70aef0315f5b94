import type { PoolConfig } from '../../config/agent-config.js';
import type { Logger } from '../../logging/create-logger.js';
import {
  createMariaDbSettings,
  createPgSettings,
  describeDatabaseTarget,
} from '../connection-settings.js';
import type { ParsedDatabaseUrl } from '../database-types.js';

/** PostgreSQL: "database already exists", and the unique violation two racing CREATE DATABASE can hit. */
const pgAlreadyExistsCodes = new Set(['42P04', '23505']);

/**
 * Creates the database a PostgreSQL or MySQL/MariaDB URL names, through the server's maintenance
 * database, tolerating another process creating it at the same moment. MySQL databases get utf8mb4.
 */
export async function createMissingDatabase(
  parsed: ParsedDatabaseUrl,
  pool: PoolConfig,
  logger?: Logger,
): Promise<void> {
  const name = parsed.database ?? '';
  let created = false;
  if (parsed.provider === 'postgresql') {
    const { default: pg } = await import('pg');
    const client = new pg.Client(createPgSettings(parsed, pool, 'postgres'));
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      created = true;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code !== 'string' || !pgAlreadyExistsCodes.has(code)) throw error;
    } finally {
      await client.end();
    }
  } else if (parsed.provider === 'mysql') {
    const mariadb = await import('mariadb');
    const connection = await mariadb.createConnection(createMariaDbSettings(parsed, pool, null));
    try {
      const result = (await connection.query(
        `CREATE DATABASE IF NOT EXISTS \`${name.replace(/`/g, '``')}\` ` +
          'CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
      )) as { warningStatus?: number };
      created = result.warningStatus === 0; // "database exists" comes back as a warning
    } finally {
      await connection.end();
    }
  }
  if (created) logger?.info({ database: name }, `Created the ${describeDatabaseTarget(parsed)}`);
}
