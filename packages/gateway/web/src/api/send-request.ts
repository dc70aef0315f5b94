import { ApiError, toApiError } from './api-error.js';

/** A successful answer: its status and its parsed JSON body (undefined when empty or not JSON). */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

/**
 * Sends one JSON request to the gateway with the page's cookies. Throws an ApiError for a network
 * failure (`NETWORK`, status 0) or a non-2xx answer (its `{error}` body, or a generic one).
 */
export async function sendRequest(method: string, url: string, body?: unknown): Promise<ApiAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { Accept: 'application/json' }
          : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(
      'NETWORK',
      `Cannot reach the gateway (${error instanceof Error ? error.message : String(error)}). Check that it is running.`,
      0,
    );
  }
  const parsed = response.status === 204 ? undefined : await readJson(response);
  if (!response.ok) throw toApiError(response.status, parsed);
  return { status: response.status, body: parsed };
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
