import { parseDatabaseUrl } from '@agent-mesh/shared';
import { openMariaDbRawDriver } from './mariadb-raw-driver.js';
import { openPostgresRawDriver } from './postgres-raw-driver.js';
import type { RawDriver } from './raw-driver.js';
import { openSqliteRawDriver } from './sqlite-raw-driver.js';

/**
 * Opens the bare driver on a database URL (any form openDatabase accepts) with a pool of
 * `maxConnections`, the same size our service gets, so the comparison is about the code, not the pool.
 */
export function openRawDriver(url: string, maxConnections: number): RawDriver {
  const parsed = parseDatabaseUrl(url);
  switch (parsed.provider) {
    case 'sqlite':
      if (parsed.sqlitePath === undefined) throw new Error(`No SQLite file in ${parsed.redacted}.`);
      return openSqliteRawDriver(parsed.sqlitePath);
    case 'postgresql':
      return openPostgresRawDriver(parsed, maxConnections);
    case 'mysql':
      return openMariaDbRawDriver(parsed, maxConnections);
  }
}
