import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request, RequestHandler } from 'express';
import type { SessionData } from 'express-session';
import { MeshError, type GatewayAuthConfig, type GatewayAuthMode } from '@agent-mesh/shared';
import { PasswordUsers, userIdOf } from '../auth/password-users.js';
import { createAddressMatcher } from './address-matcher.js';

declare module 'express-session' {
  interface SessionData {
    /** The gateway user id this browser acts as (`anon-<uuid>` in auth mode none). */
    userId?: string;
    /** Password mode: the signed-in username. */
    username?: string;
    /** Password mode: fingerprint of the user's hash at sign-in (a changed password signs out). */
    credential?: string;
  }
}

/** Who is calling: the id every session and task is owned by, and a display name. */
export interface GatewayUser {
  id: string;
  name: string;
}

/** Resolves the caller of HTTP requests and WebSocket upgrades according to `gateway.auth`. */
export interface Identity {
  readonly mode: GatewayAuthMode;
  /** Express middleware (after express-session): sets `response.locals.user` or answers 401. */
  middleware: RequestHandler;
  /** The caller of a request whose express-session was loaded; null when not signed in. */
  userOfRequest(request: Request): GatewayUser | null;
  /** The user of a WebSocket upgrade, whose express-session was loaded; null when unknown. */
  userOfUpgrade(request: IncomingMessage, session: SessionData | undefined): GatewayUser | null;
  /** The 401 error of this mode, saying how to sign in. */
  unauthenticated(): MeshError;
  /** Password mode: the configured users. */
  readonly passwordUsers?: PasswordUsers;
}

/** The name shown for anonymous users. */
export const anonymousUserName = 'Anonymous';

/**
 * Builds the identity layer. Mode `none`: each browser gets a stable anonymous id `anon-<uuid>`
 * kept in its cookie session (it survives restarts when sessions are stored in SQL). Mode
 * `password`: the session holds the user signed in through POST /api/v1/auth/login (id
 * `user:<username>`); a user removed from the YAML or whose password changed is signed out. Mode
 * `header`: a reverse proxy listed in `auth.header.trusted_proxies` names the user in
 * `auth.header.name`; from any other address the request is 401, never anonymous. Throws
 * CONFIG_INVALID for a bad hash or proxy address.
 */
export function createIdentity(auth: GatewayAuthConfig): Identity {
  const build = (
    mode: GatewayAuthMode,
    userOfRequest: (request: Request) => GatewayUser | null,
    userOfUpgrade: Identity['userOfUpgrade'],
    unauthenticated: () => MeshError,
    passwordUsers?: PasswordUsers,
  ): Identity => ({
    mode,
    userOfRequest,
    userOfUpgrade,
    unauthenticated,
    middleware: (request, response, next) => {
      if (mode !== 'header' && !request.session) {
        next(
          new MeshError(
            'INTERNAL',
            'The session middleware must run before the identity middleware.',
          ),
        );
        return;
      }
      const user = userOfRequest(request);
      if (!user) {
        next(unauthenticated());
        return;
      }
      response.locals.user = user;
      next();
    },
    ...(passwordUsers ? { passwordUsers } : {}),
  });

  switch (auth.mode) {
    case 'none':
      return build(
        'none',
        (request) => {
          const session = request.session as (SessionData & object) | undefined;
          if (!session) return null;
          session.userId ??= `anon-${randomUUID()}`;
          return { id: session.userId, name: anonymousUserName };
        },
        (_request, session) =>
          session?.userId ? { id: session.userId, name: anonymousUserName } : null,
        () => new MeshError('UNAUTHENTICATED', 'The browser session is missing; reload the page.'),
      );
    case 'password': {
      const users = new PasswordUsers(auth.users);
      return build(
        'password',
        (request) => users.userOfSession(request.session as SessionData | undefined),
        (_request, session) => users.userOfSession(session),
        () =>
          new MeshError(
            'UNAUTHENTICATED',
            'Sign in first: POST /api/v1/auth/login with {"username", "password"}, or open the web UI, which shows the login page.',
            { authMode: 'password' },
          ),
        users,
      );
    }
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
        return name ? { id: userIdOf(name), name } : null;
      };
      return build(
        'header',
        resolve,
        (request) => resolve(request),
        () =>
          new MeshError(
            'UNAUTHENTICATED',
            `Sign-in is handled by a reverse proxy: the request must come from one of ${header.trusted_proxies.join(', ')} with the ${header.name} header set.`,
            { authMode: 'header' },
          ),
      );
    }
  }
}

/** The caller of a request that passed the identity middleware. */
export function userOf(request: Request): GatewayUser {
  const user = (request.res?.locals as { user?: GatewayUser } | undefined)?.user;
  if (!user) throw new MeshError('UNAUTHENTICATED', 'The request has no user.');
  return user;
}
