import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../../errors/index.js';

/** The header a state-changing request made with the session cookie must carry. */
export const csrfHeaderName = 'x-csrf-token';

/** GET and HEAD change nothing, so they need no token (a page may load them as images or links). */
export function isSafeMethod(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD';
}

/**
 * Throws 403 `csrf_failed` unless the request's `x-csrf-token` equals the session's token. Both sides are
 * hashed first, so the constant-time comparison also hides the presented token's length.
 */
export function assertCsrfToken(request: IncomingMessage, expectedToken: string): void {
  const header = request.headers[csrfHeaderName];
  const presented = Array.isArray(header) ? header[0] : header;
  if (presented === undefined || presented === '' || !isSameToken(presented, expectedToken)) {
    throw new GatewayError({
      code: 'csrf_failed',
      message: `A request signed in with the session cookie must send the session's token in "${csrfHeaderName}".`,
    });
  }
}

function isSameToken(presented: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
