import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { MeshError, type GatewayConfig } from '@agent-mesh/shared';
import { createAddressMatcher } from './address-matcher.js';

/** What decides whether a browser request comes from the gateway's own pages. */
export interface OriginCheckOptions {
  /** `gateway.public_url`: the origin users reach the gateway at behind a proxy. */
  publicUrl?: string;
  /** `gateway.auth.allowed_origins`. */
  allowedOrigins: readonly string[];
  /**
   * Whether a socket address is a trusted proxy, whose `X-Forwarded-Host` names the public host.
   */
  isTrustedProxy: (address: string | undefined) => boolean;
}

/** The verdict on one request: allowed, or refused with the reason. */
export type OriginVerdict = { allowed: true } | { allowed: false; reason: string };

/** The cross-site request check, for Express routes and for WebSocket upgrades. */
export interface OriginCheck {
  /** Checks any request (the WebSocket upgrade calls this directly). */
  check(request: IncomingMessage): OriginVerdict;
  /** Refuses cross-site writes (every method but GET, HEAD and OPTIONS) with 403 FORBIDDEN. */
  middleware: RequestHandler;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Builds the CSRF defence for cookie-authenticated requests
 * (docs/decisions/0005-csrf-by-origin.md). A request with `Origin` passes when that origin is the
 * gateway's own (the `Host`, or the `X-Forwarded-Host` a trusted proxy sent), `public_url`, or an
 * allowed origin. Without `Origin`, `Sec-Fetch-Site` must be `same-origin` or `none`. A request
 * with neither header is not from a browser (curl, scripts) and passes: a browser sends one of them
 * on every cross-site write.
 */
export function createOriginCheck(options: OriginCheckOptions): OriginCheck {
  const allowed = new Set<string>();
  for (const item of [
    ...(options.publicUrl ? [options.publicUrl] : []),
    ...options.allowedOrigins,
  ]) {
    try {
      allowed.add(new URL(item).origin);
    } catch {
      // The schema accepts only URLs here; an unparsable one allows nothing.
    }
  }

  const check = (request: IncomingMessage): OriginVerdict => {
    const origin = firstValue(request.headers.origin);
    if (origin !== undefined) {
      let url: URL | undefined;
      try {
        url = new URL(origin);
      } catch {
        url = undefined;
      }
      if (origin === 'null' || url?.origin === 'null') {
        return { allowed: false, reason: 'the request comes from an opaque origin ("null")' };
      }
      if (url === undefined) {
        return { allowed: false, reason: `the Origin header "${origin}" is not an origin` };
      }
      if (allowed.has(url.origin)) return { allowed: true };
      const hosts = [firstValue(request.headers.host)];
      if (options.isTrustedProxy(request.socket.remoteAddress)) {
        hosts.push(firstValue(request.headers['x-forwarded-host'])?.split(',')[0]?.trim());
      }
      if (hosts.some((host) => host !== undefined && sameHost(url, host))) return { allowed: true };
      return {
        allowed: false,
        reason: `the page at ${url.origin} is not this gateway (${hosts.filter(Boolean).join(', ') || 'no Host header'})`,
      };
    }
    const site = firstValue(request.headers['sec-fetch-site']);
    if (site === undefined || site === 'same-origin' || site === 'none') return { allowed: true };
    return { allowed: false, reason: `the browser reports a ${site} request without an Origin` };
  };

  return {
    check,
    middleware: (request, _response, next) => {
      if (safeMethods.has(request.method)) {
        next();
        return;
      }
      const verdict = check(request);
      if (verdict.allowed) {
        next();
        return;
      }
      next(
        new MeshError(
          'FORBIDDEN',
          `Cross-site request refused: ${verdict.reason}. Pages of other sites may not act with this gateway's cookie; if the web UI is served from another origin, set gateway.public_url or add it to gateway.auth.allowed_origins.`,
          { origin: firstValue(request.headers.origin) ?? null },
        ),
      );
    },
  };
}

/**
 * Compares a host header (`name[:port]`) with an origin, default ports of the origin's scheme
 * included.
 */
function sameHost(origin: URL, host: string): boolean {
  try {
    return new URL(`${origin.protocol}//${host}`).host === origin.host;
  } catch {
    return false;
  }
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The origin check of a gateway config: `public_url`, `auth.allowed_origins`, and
 * `X-Forwarded-Host` trusted from the addresses Express trusts for X-Forwarded-* (loopback and
 * `auth.header.trusted_proxies`).
 */
export function createGatewayOriginCheck(config: GatewayConfig): OriginCheck {
  return createOriginCheck({
    ...(config.public_url ? { publicUrl: config.public_url } : {}),
    allowedOrigins: config.auth.allowed_origins,
    isTrustedProxy: createAddressMatcher(
      [...config.auth.header.trusted_proxies, '127.0.0.0/8', '::1'],
      'gateway.auth.header.trusted_proxies',
    ),
  });
}
