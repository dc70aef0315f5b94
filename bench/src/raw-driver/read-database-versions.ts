import Database from 'better-sqlite3';
import { testMysqlAdminUrl, testPostgresAdminUrl } from '@agent-mesh/shared/testing';
import { openRawDriver } from './open-raw-driver.js';

/**
 * Versions of the engines a run uses, by provider: the SQLite library better-sqlite3 bundles and the
 * PostgreSQL and MariaDB servers the test databases live on (`unavailable: …` when a server does not answer).
 */
export async function readDatabaseVersions(): Promise<Record<string, string>> {
  const versions: Record<string, string> = {};
  const memory = new Database(':memory:');
  versions.sqlite = (memory.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  memory.close();
  for (const [name, url] of [
    ['postgresql', testPostgresAdminUrl],
    ['mysql', testMysqlAdminUrl],
  ] as const) {
    const driver = openRawDriver(url, 1);
    try {
      versions[name] = await driver.serverVersion();
    } catch (error) {
      versions[name] = `unavailable: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      await driver.close().catch(() => undefined);
    }
  }
  return versions;
}
