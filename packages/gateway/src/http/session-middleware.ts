import type { RequestHandler } from 'express';
import session from 'express-session';

/** The name of the gateway's session cookie. */
export const sessionCookieName = 'agent_mesh.sid';

/** Lifetime of the session cookie, renewed on every API request (180 days). */
export const sessionMaxAgeMs = 180 * 24 * 3600_000;

/**
 * The express-session middleware: cookie `agent_mesh.sid` signed with the session secret (the same on
 * every instance), HttpOnly, SameSite=Lax, Secure when the request came over TLS (directly or through a
 * trusted proxy), renewed on use; records live in the given store.
 */
export function createSessionMiddleware(options: {
  store: session.Store;
  secret: string;
}): RequestHandler {
  return session({
    name: sessionCookieName,
    secret: options.secret,
    store: options.store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: sessionMaxAgeMs, path: '/' },
  });
}
