import { APICallError } from '@ai-sdk/provider';
import { RetryError } from 'ai';

/**
 * Finds the provider's `APICallError` behind an error from `streamText`/`generateText`: the error itself,
 * the last attempt of a `RetryError` (retried 5xx/429), or a `cause` — so an overflow classifier can read
 * `statusCode` and `responseBody` however the SDK wrapped them.
 */
export function findApiCallError(error: unknown): APICallError | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    if (APICallError.isInstance(current)) return current;
    if (RetryError.isInstance(current)) {
      current = current.lastError;
      continue;
    }
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}
