import { Router, type Request } from 'express';
import type { JSONSchemaType } from 'ajv';
import type { Session, SessionData } from 'express-session';
import { MeshError, type Logger } from '@agent-mesh/shared';
import type { LoginRateLimiter } from '../auth/login-rate-limiter.js';
import { userIdOf } from '../auth/password-users.js';
import type { Identity } from '../http/identity.js';
import { compileBodyValidator } from '../http/request-validator.js';
import { sessionCookieName } from '../http/session-middleware.js';

/** What the /auth routes need. */
export interface AuthRoutesOptions {
  identity: Identity;
  limiter: LoginRateLimiter;
  logger: Logger;
}

interface LoginBody {
  username: string;
  password: string;
}

const validateLogin = compileBodyValidator<LoginBody>({
  type: 'object',
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 200 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
  required: ['username', 'password'],
  additionalProperties: false,
} satisfies JSONSchemaType<LoginBody>);

/**
 * The one answer to a wrong username or password, so it does not tell which of the two was wrong.
 */
const wrongCredentials = 'Wrong username or password.';

/**
 * The /auth routes, mounted after express-session and before the identity check: `POST /auth/login`
 * (password mode: rate-limited, constant-time check, a new session id on success), `POST
 * /auth/logout` (password mode: ends the session) and `GET /auth/me` (the caller, or 401, in every
 * mode).
 */
export function createAuthRoutes(options: AuthRoutesOptions): Router {
  const { identity, limiter, logger } = options;
  const router = Router();

  const passwordModeOnly = (action: string): MeshError =>
    new MeshError(
      'REQUEST_INVALID',
      `${action} is only available when gateway.auth.mode is password; this gateway runs in mode ${identity.mode}.`,
      { authMode: identity.mode },
    );

  router.get('/auth/me', (request, response) => {
    const user = identity.userOfRequest(request);
    if (!user) throw identity.unauthenticated();
    response.json({ user, auth: { mode: identity.mode } });
  });

  router.post('/auth/login', async (request, response) => {
    const users = identity.passwordUsers;
    if (!users) throw passwordModeOnly('Signing in with a password');
    const body = validateLogin(request.body);
    const address = clientAddressOf(request);
    const waitMs = limiter.retryAfterMs(body.username, address);
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      response.setHeader('Retry-After', String(seconds));
      throw new MeshError(
        'RATE_LIMITED',
        `Too many failed sign-ins. Try again in ${describeWait(seconds)}.`,
        { retryAfterSeconds: seconds },
      );
    }
    const signedIn = await users.verify(body.username, body.password);
    if (!signedIn) {
      limiter.recordFailure(body.username, address);
      logger.warn({ username: body.username, address }, 'failed sign-in');
      throw new MeshError('UNAUTHENTICATED', wrongCredentials, { authMode: 'password' });
    }
    limiter.recordSuccess(body.username);
    // A new session id at sign-in: an id planted in the browser before (session fixation) stays
    // anonymous.
    const session = await regenerate(request);
    session.username = signedIn.username;
    session.credential = signedIn.credential;
    await save(session);
    logger.info({ username: signedIn.username, address }, 'signed in');
    response.json({
      user: { id: userIdOf(signedIn.username), name: signedIn.username },
      auth: { mode: identity.mode },
    });
  });

  router.post('/auth/logout', async (request, response) => {
    if (!identity.passwordUsers) throw passwordModeOnly('Signing out');
    const user = identity.userOfRequest(request);
    if (request.session) await destroy(request.session);
    response.clearCookie(sessionCookieName, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: request.secure,
    });
    if (user) logger.info({ username: user.name }, 'signed out');
    response.status(204).end();
  });

  return router;
}

/**
 * The client address the limits count against: the socket peer, or X-Forwarded-For from a trusted
 * proxy.
 */
function clientAddressOf(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}

function describeWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

function regenerate(request: Request): Promise<Session & Partial<SessionData>> {
  return new Promise((resolve, reject) => {
    request.session.regenerate((error: unknown) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(request.session);
    });
  });
}

function save(session: Session): Promise<void> {
  return new Promise((resolve, reject) => {
    session.save((error: unknown) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve();
    });
  });
}

function destroy(session: Session): Promise<void> {
  return new Promise((resolve, reject) => {
    session.destroy((error: unknown) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve();
    });
  });
}
