import { agentManagementBasePath } from '@agent-mesh/shared';

/** What a management API call answered: the HTTP status and the parsed JSON body (null when empty). */
export interface ManagementAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/**
 * Calls an agent's management API (`/mesh/v1/...`) as the gateway would: JSON in and out, the bearer
 * token when given, query parameters for GET and DELETE.
 */
export async function callAgentManagement<T = Record<string, unknown>>(
  agentUrl: string,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  options: { query?: Record<string, string>; body?: unknown; token?: string } = {},
): Promise<ManagementAnswer<T>> {
  const url = new URL(`${agentUrl.replace(/\/+$/, '')}${agentManagementBasePath}${path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
}
