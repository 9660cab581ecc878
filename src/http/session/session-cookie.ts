import type { IncomingMessage } from 'node:http';

/** The dashboard session cookie's name (the front end never reads it: HttpOnly). */
export const sessionCookieName = 'meridian_session';

/**
 * The session id a request's `Cookie` header carries, or undefined. With several `meridian_session` cookies
 * (one set for a narrower path or a parent domain by someone else), the first is used, as browsers send the
 * most specific first; a wrong one simply names no session.
 */
export function readSessionCookie(request: IncomingMessage): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator === -1 || pair.slice(0, separator).trim() !== sessionCookieName) continue;
    const value = pair.slice(separator + 1).trim();
    return value === '' ? undefined : value;
  }
  return undefined;
}

/**
 * `Set-Cookie` for a new session: HttpOnly (scripts cannot read it), SameSite=Strict (no cross-site request
 * carries it), Path=/ (the API answers under `/v1` and `/api/v1`), `Max-Age` the session's absolute lifetime.
 * `Secure` when the request came over TLS or through a trusted proxy saying `x-forwarded-proto: https` (see
 * `isForwardedHttps`); plain http (localhost, a LAN) keeps working, where a Secure cookie would never be sent back.
 */
export function renderSessionCookie(options: {
  readonly id: string;
  readonly maxAgeSeconds: number;
  readonly isSecure: boolean;
}): string {
  const secure = options.isSecure ? '; Secure' : '';
  return `${sessionCookieName}=${options.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${options.maxAgeSeconds}${secure}`;
}

/** `Set-Cookie` that makes the browser drop the session cookie (sign-out). */
export function renderClearedSessionCookie(isSecure: boolean): string {
  return renderSessionCookie({ id: '', maxAgeSeconds: 0, isSecure });
}
