import { isTransientConflictError } from './database-errors.js';

/**
 * Runs `work` (a transaction or a batch of statements) again when the database aborted it for a
 * transient conflict with concurrent work — deadlock, serialization failure, lock wait timeout, SQLite
 * busy — up to `attempts` times in all, waiting `backoffMs(attempt)` before each retry. An aborted
 * attempt left nothing behind; any other error is thrown at once.
 */
export async function retryOnTransientConflict<T>(
  work: () => Promise<T>,
  attempts: number,
  backoffMs: (attempt: number) => number,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts || !isTransientConflictError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
    }
  }
}
