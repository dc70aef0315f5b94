import { sendRequest } from './send-request.js';

/** The signed-in user as GET /api/v1/auth/me and POST /api/v1/auth/login return it. */
export interface SignedIn {
  user: { id: string; name: string };
  auth: { mode: string };
}

/** The event the page raises when any API call answers 401: the sign-in has ended. */
export const unauthenticatedEvent = 'agent-mesh:unauthenticated';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await sendRequest(method, `/api/v1/auth/${path}`, body)).body as T;
}

/** Who this browser is signed in as; rejects with an ApiError (status 401 when signed out). */
export function fetchSignedIn(): Promise<SignedIn> {
  return call('GET', 'me');
}

/**
 * Signs in with a password (auth mode `password`); 401 for wrong credentials, 429 when
 * rate-limited.
 */
export function signIn(username: string, password: string): Promise<SignedIn> {
  return call('POST', 'login', { username, password });
}

/** Ends the signed-in session. */
export function signOut(): Promise<void> {
  return call('POST', 'logout');
}
