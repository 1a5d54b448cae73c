// Refuses requests whose Host names another site: a loopback dashboard without a token is otherwise
// open to DNS rebinding, where a page on an attacker's domain re-points that domain at 127.0.0.1 and
// reads the API as a same-origin caller.
import { failure } from './responses.js';
import { CONTENT_SECURITY_POLICY } from './security.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * Wraps a fetch handler so that it answers only requests addressed to `listenHost` or to a loopback
 * name; anything else gets 421 Misdirected Request. Only used without a token (a token is what a
 * rebinding page cannot send).
 */
export function guardHost(
  fetch: (request: Request) => Promise<Response>,
  listenHost: string,
): (request: Request) => Promise<Response> {
  const allowed = new Set([...LOOPBACK_NAMES, listenHost.toLowerCase()]);
  return (request) => {
    const hostname = new URL(request.url).hostname.toLowerCase();
    if (!allowed.has(hostname) && !hostname.endsWith('.localhost')) {
      return Promise.resolve(
        failure(421, `This dashboard answers requests to ${listenHost} only, not to ${hostname}`, {
          'Content-Security-Policy': CONTENT_SECURITY_POLICY,
          'X-Content-Type-Options': 'nosniff',
        }),
      );
    }
    return fetch(request);
  };
}
