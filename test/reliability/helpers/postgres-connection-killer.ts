import pg from 'pg';
import { testPostgresAdminUrl } from '@agent-mesh/shared/testing';

/** What a connection killer did while it ran. */
export interface ConnectionKillerReport {
  /** How many times the terminate query ran. */
  sweeps: number;
  /** Backends terminated in total. */
  terminated: number;
  durationMs: number;
}

/** A running loop that terminates every backend connected to some databases; stop() ends it. */
export interface ConnectionKiller {
  stop(): Promise<ConnectionKillerReport>;
}

/**
 * Starts terminating, every `intervalMs`, every connection to the named databases
 * (`pg_terminate_backend`) from an admin connection to another database — the server itself keeps
 * running, so other tests sharing it are unaffected. This is a database outage as the processes see it:
 * open connections die mid-query and new ones die right after they are made.
 */
export async function startConnectionKiller(
  databases: readonly string[],
  intervalMs = 25,
): Promise<ConnectionKiller> {
  const client = new pg.Client({ connectionString: testPostgresAdminUrl });
  await client.connect();
  const started = Date.now();
  const report: ConnectionKillerReport = { sweeps: 0, terminated: 0, durationMs: 0 };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const result = await client.query<{ terminated: boolean }>(
        `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
          WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()`,
        [databases],
      );
      report.sweeps += 1;
      report.terminated += result.rows.filter((row) => row.terminated).length;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await client.end();
      report.durationMs = Date.now() - started;
      return report;
    },
  };
}
