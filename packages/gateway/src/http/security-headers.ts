import type { RequestHandler } from 'express';

/**
 * The Content-Security-Policy of every gateway response: scripts, styles, images, fonts and
 * connections (the WebSocket included) only from the gateway itself, no inline script or style, no
 * plugins, no `<base>`, forms posting only here, and no framing by any site (clickjacking).
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * HSTS for a year (this host only), sent only on responses that came over HTTPS (directly or
 * proxied).
 */
const strictTransportSecurity = 'max-age=31536000';

/**
 * Sets the security headers on every response: the CSP above, `X-Content-Type-Options: nosniff`,
 * `X-Frame-Options: DENY` (for browsers without frame-ancestors), `Referrer-Policy: same-origin`
 * (no referrer to other sites; unlike `no-referrer` it keeps `Origin` on same-origin form posts,
 * which the CSRF check needs), cross-origin opener and resource isolation, a Permissions-Policy
 * that turns off devices the UI never uses, and HSTS behind TLS. (`X-Powered-By` is disabled on the
 * app.)
 */
export function securityHeaders(): RequestHandler {
  return (request, response, next) => {
    response.setHeader('Content-Security-Policy', contentSecurityPolicy);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Referrer-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    response.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    if (request.secure) response.setHeader('Strict-Transport-Security', strictTransportSecurity);
    next();
  };
}
