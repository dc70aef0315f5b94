import { setTimeout as sleep } from 'node:timers/promises';
import type { Database as BetterSqliteDatabase } from 'better-sqlite3';

/**
 * Runs connection pragmas, retrying while the file is busy. Switching a file to WAL (or confirming
 * it is WAL) can fail with SQLITE_BUSY at once, without the busy timeout, when another process is
 * opening, migrating or closing the same file at that moment (seen when two agents start together
 * on one new file); a retry a few milliseconds later succeeds.
 */
export async function applySqlitePragmas(
  database: Pick<BetterSqliteDatabase, 'exec'>,
  pragmas: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
    try {
      database.exec(pragmas.join(';\n'));
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() + wait > deadline) throw error;
      await sleep(wait);
    }
  }
}

function isBusy(error: unknown): boolean {
  const code = String((error as { code?: unknown }).code ?? '');
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}
