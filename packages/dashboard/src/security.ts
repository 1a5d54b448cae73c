// The guards every request passes: response headers, the bearer token and the CSRF checks of POSTs.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { failure } from './responses.js';

/**
 * The page loads only its own scripts, styles and images, talks only to its own origin, and may not be
 * framed: an injected job name can neither run script nor exfiltrate anything.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Sets the security headers on every response, errors and 404s included. */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const headers = c.res.headers;
  headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  headers.set('X-Content-Type-Options', 'nosniff');
  headers.set('Referrer-Policy', 'no-referrer');
  headers.set('X-Frame-Options', 'DENY');
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
};

/** SHA-256 first, so that both sides have one length and the comparison leaks neither it nor content. */
const digest = (text: string) => createHash('sha256').update(text).digest();

/** Refuses, with 401, a request without `Authorization: Bearer <token>`. */
export function requireToken(token: string): MiddlewareHandler {
  const expected = digest(token);
  return async (c, next) => {
    const match = /^Bearer +(\S+) *$/i.exec(c.req.header('Authorization') ?? '');
    if (match === null || !timingSafeEqual(digest(match[1] ?? ''), expected)) {
      return failure(401, 'A valid "Authorization: Bearer <token>" header is required', {
        'WWW-Authenticate': 'Bearer realm="tscron dashboard"',
      });
    }
    await next();
  };
}

/**
 * Guards state-changing requests against cross-site forgery: a browser sends a form or a simple
 * request from another site with its own `Origin` and a non-JSON content type, and we refuse both.
 */
export const sameOriginJson: MiddlewareHandler = async (c, next) => {
  const origin = c.req.header('Origin');
  // Hosts, not whole origins: a proxy that terminates TLS hands us http:// for an https:// page.
  if (origin !== undefined && hostOf(origin) !== new URL(c.req.url).host) {
    return failure(403, `Cross-origin request refused (Origin ${origin})`);
  }
  if (c.req.header('Sec-Fetch-Site') === 'cross-site') {
    return failure(403, 'Cross-site request refused (Sec-Fetch-Site: cross-site)');
  }
  const type = c.req.header('Content-Type');
  const length = c.req.header('Content-Length');
  const hasBody = (length !== undefined && length !== '0') || c.req.header('Transfer-Encoding') !== undefined;
  if (type !== undefined ? !/^application\/json\s*(?:;|$)/i.test(type) : hasBody) {
    return failure(
      415,
      `Send no body or Content-Type: application/json, not ${type ?? 'a body without a type'}`,
    );
  }
  await next();
};

/** The host (and port) of an `Origin` header; undefined for `null` or anything unparsable. */
function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host || undefined;
  } catch {
    return undefined;
  }
}
