import type { IncomingMessage } from 'node:http';
import { isForwardedHttps } from '../client-address.js';
import type { TrustedProxies } from '../client-address.js';

/** The dashboard session cookie's name over plain http (the front end never reads it: HttpOnly). */
export const sessionCookieName = 'meridian_session';

/**
 * Its name over https. The `__Host-` prefix makes a browser accept the cookie only with `Secure`, `Path=/` and no
 * `Domain`, set by this very host: a sibling subdomain (or a plain-http page on the same name) cannot plant one to
 * sign a victim in to the attacker's session, which it can do with an unprefixed name.
 */
export const secureSessionCookieName = '__Host-meridian_session';

/** What reading the cookie needs: which proxies may say the client came over https. */
export interface SessionCookieContext {
  readonly trustedProxies: TrustedProxies;
}

/** The session id the request's cookie carries, under the name its scheme uses (see {@link readSessionCookie}). */
export function readRequestSessionCookie(request: IncomingMessage, context: SessionCookieContext): string | undefined {
  return readSessionCookie(request, isForwardedHttps(request, context.trustedProxies));
}

/**
 * The session id a request's `Cookie` header carries, or undefined. Over https only the `__Host-` cookie counts
 * (an unprefixed one could have been planted from another host); over plain http only the plain one. With several
 * cookies of that name (one set for a narrower path or a parent domain by someone else), the first is used, as
 * browsers send the most specific first; a wrong one simply names no session.
 */
export function readSessionCookie(request: IncomingMessage, isSecure: boolean): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  const name = isSecure ? secureSessionCookieName : sessionCookieName;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator === -1 || pair.slice(0, separator).trim() !== name) continue;
    const value = pair.slice(separator + 1).trim();
    return value === '' ? undefined : value;
  }
  return undefined;
}

/**
 * `Set-Cookie` for a new session: HttpOnly (scripts cannot read it), SameSite=Strict (no cross-site request
 * carries it), Path=/ (the API answers under `/v1` and `/api/v1`), `Max-Age` the session's absolute lifetime.
 * `Secure` and the `__Host-` name when the request came over TLS or through a trusted proxy saying
 * `x-forwarded-proto: https` (see `isForwardedHttps`); plain http (localhost, a LAN) keeps working under the plain
 * name, where a Secure cookie would never be sent back.
 */
export function renderSessionCookie(options: {
  readonly id: string;
  readonly maxAgeSeconds: number;
  readonly isSecure: boolean;
}): string {
  const name = options.isSecure ? secureSessionCookieName : sessionCookieName;
  const secure = options.isSecure ? '; Secure' : '';
  return `${name}=${options.id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${options.maxAgeSeconds}${secure}`;
}

/** `Set-Cookie` that makes the browser drop the session cookie (sign-out). */
export function renderClearedSessionCookie(isSecure: boolean): string {
  return renderSessionCookie({ id: '', maxAgeSeconds: 0, isSecure });
}
