import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { SessionData } from 'express-session';
import { MeshError, type GatewayAuthConfig } from '@agent-mesh/shared';
import { createAddressMatcher } from './address-matcher.js';

declare module 'express-session' {
  interface SessionData {
    /** The gateway user id this browser acts as (`anon-<uuid>` in auth mode none). */
    userId?: string;
  }
}

/** Who is calling: the id every session and task is owned by, and a display name. */
export interface GatewayUser {
  id: string;
  name: string;
}

/** Resolves the caller of HTTP requests and WebSocket upgrades according to `gateway.auth`. */
export interface Identity {
  /** Express middleware (after express-session): sets `response.locals.user` or answers 401. */
  middleware: RequestHandler;
  /** The user of a WebSocket upgrade, whose express-session was loaded; null when unknown. */
  userOfUpgrade(request: IncomingMessage, session: SessionData | undefined): GatewayUser | null;
}

/** The name shown for anonymous users. */
export const anonymousUserName = 'Anonymous';

/**
 * Builds the identity layer. Mode `none`: each browser gets a stable anonymous id `anon-<uuid>` kept in
 * its cookie session (it survives restarts when sessions are stored in SQL). Mode `header`: a reverse
 * proxy listed in `auth.header.trusted_proxies` names the user in `auth.header.name`. Mode `password`
 * is not available in this version and is refused at start-up.
 */
export function createIdentity(auth: GatewayAuthConfig): Identity {
  switch (auth.mode) {
    case 'none':
      return {
        middleware: (request, response, next) => {
          const session = request.session as (SessionData & object) | undefined;
          if (!session) {
            next(
              new MeshError(
                'INTERNAL',
                'The session middleware must run before the identity middleware.',
              ),
            );
            return;
          }
          session.userId ??= `anon-${randomUUID()}`;
          response.locals.user = {
            id: session.userId,
            name: anonymousUserName,
          } satisfies GatewayUser;
          next();
        },
        userOfUpgrade: (_request, session) =>
          session?.userId ? { id: session.userId, name: anonymousUserName } : null,
      };
    case 'header': {
      const header = auth.header;
      const isTrustedProxy = createAddressMatcher(
        header.trusted_proxies,
        'gateway.auth.header.trusted_proxies',
      );
      const resolve = (request: IncomingMessage): GatewayUser | null => {
        if (!isTrustedProxy(request.socket.remoteAddress)) return null;
        const value = request.headers[header.name.toLowerCase()];
        const name = (Array.isArray(value) ? value[0] : value)?.trim();
        return name ? { id: `user:${name}`, name } : null;
      };
      return {
        middleware: (request, response, next) => {
          const user = resolve(request);
          if (!user) {
            next(
              new MeshError(
                'UNAUTHENTICATED',
                `Sign-in is handled by a reverse proxy: the request must come from one of ${header.trusted_proxies.join(', ')} with the ${header.name} header set.`,
              ),
            );
            return;
          }
          response.locals.user = user;
          next();
        },
        userOfUpgrade: (request) => resolve(request),
      };
    }
    case 'password':
      throw new MeshError(
        'NOT_IMPLEMENTED',
        'gateway.auth.mode "password" is not available in this version. Use mode "none", or mode "header" behind a reverse proxy that signs users in.',
      );
  }
}

/** The caller of a request that passed the identity middleware. */
export function userOf(request: Request): GatewayUser {
  const user = (request.res?.locals as { user?: GatewayUser } | undefined)?.user;
  if (!user) throw new MeshError('UNAUTHENTICATED', 'The request has no user.');
  return user;
}
