import type { IncomingMessage, ServerResponse } from 'node:http';
import { limits } from '../../config/index.js';
import { GatewayError } from '../../errors/index.js';
import type { ServingKeyService } from '../../keys/index.js';
import type { KeyRecord } from '../../storage/index.js';
import { isForwardedHttps, readClientAddress } from '../client-address.js';
import { readJsonBody } from '../read-json-body.js';
import { assertCsrfToken } from './assert-csrf-token.js';
import { convertThrottleAddress } from './convert-throttle-address.js';
import { findSessionKey } from './find-session-key.js';
import type { SessionContext } from './find-session-key.js';
import type { LoginThrottle } from './login-throttle.js';
import { readRequestSessionCookie, renderClearedSessionCookie, renderSessionCookie } from './session-cookie.js';
import type { SessionView } from './session-store.js';

/** What sign-out needs from the app context: the proxies whose `x-forwarded-proto` decides the cookie's `Secure`. */
export type SignOutContext = SessionContext;

/** What the sign-in routes need from the app context. */
export interface DashboardSessionContext extends SignOutContext {
  readonly keys: ServingKeyService;
  readonly loginThrottle: LoginThrottle;
}

interface Exchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly requestId: string;
}

/**
 * POST /v1/dashboard/login `{"key": "<secret>"}`: any live key opens a session → 200 with the session and its
 * cookie. A wrong key answers as a wrong Bearer key does. Attempts per client address are throttled (behind a
 * trusted proxy, the address `x-forwarded-for` names), and the body
 * must be declared JSON: a cross-site form cannot send that without a CORS preflight, which is never granted,
 * so another site cannot sign a browser in to its own key.
 */
export async function loginRoute(context: DashboardSessionContext, exchange: Exchange): Promise<void> {
  const { request } = exchange;
  const address = convertThrottleAddress(readClientAddress(request, context.trustedProxies));
  const admission = context.loginThrottle.admit(address, context.now());
  if (!admission.ok) {
    throw new GatewayError({
      code: 'rate_limited',
      message: 'Too many failed sign-ins from this address; retry later.',
      retryAfterSeconds: admission.retryAfterSeconds,
    });
  }
  assertJsonContentType(request);
  const secret = parseLoginSecret(await readJsonBody(request, limits.loginBodyBytesMax));
  const key = await context.keys.authenticate(secret);
  if (key === undefined) throw new GatewayError({ code: 'authentication_failed', message: 'Invalid API key.' });
  admission.succeed();
  const previousId = readRequestSessionCookie(request, context);
  if (previousId !== undefined) context.sessions.close(previousId);
  const nowMs = context.now();
  const opened = context.sessions.open(key, nowMs);
  const cookie = renderSessionCookie({
    id: opened.id,
    maxAgeSeconds: Math.floor((opened.session.endsAtMs - nowMs) / 1000),
    isSecure: isForwardedHttps(request, context.trustedProxies),
  });
  sendSession(exchange, { status: 200, body: renderSession(key, opened.session), cookie });
}

/** GET /v1/dashboard/session: the signed-in key and the CSRF token (the front end keeps it in memory only). */
export async function sessionRoute(context: SessionContext, exchange: Exchange): Promise<void> {
  const found = await findCookieSession(context, exchange.request);
  sendSession(exchange, { status: 200, body: renderSession(found.key, found.session), cookie: undefined });
}

/** POST /v1/dashboard/logout (with the CSRF token): ends the session on this node and clears the cookie → 204. */
export async function logoutRoute(context: SignOutContext, exchange: Exchange): Promise<void> {
  const found = await findCookieSession(context, exchange.request);
  assertCsrfToken(exchange.request, found.session.csrfToken);
  context.sessions.close(found.id);
  sendSession(exchange, {
    status: 204,
    body: undefined,
    cookie: renderClearedSessionCookie(isForwardedHttps(exchange.request, context.trustedProxies)),
  });
}

async function findCookieSession(
  context: SessionContext,
  request: IncomingMessage,
): Promise<{ readonly id: string; readonly session: SessionView; readonly key: KeyRecord }> {
  const id = readRequestSessionCookie(request, context);
  const found = id === undefined ? undefined : await findSessionKey(context, id);
  if (id === undefined || found === undefined) {
    throw new GatewayError({ code: 'authentication_failed', message: 'Not signed in, or the session has ended.' });
  }
  return { id, ...found };
}

/** The session as the front end sees it (the contract in docs/dashboard.md). */
function renderSession(key: KeyRecord, session: SessionView): Record<string, unknown> {
  return {
    data: {
      key_id: key.id,
      org_id: key.orgId,
      role: key.role,
      csrf_token: session.csrfToken,
      expires_at: new Date(session.expiresAtMs).toISOString(),
    },
  };
}

/** Session answers carry the CSRF token or set the cookie: never stored by a cache. */
function sendSession(
  exchange: Exchange,
  answer: { readonly status: number; readonly body: unknown; readonly cookie: string | undefined },
): void {
  const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
  exchange.response.writeHead(answer.status, {
    ...(answer.body === undefined
      ? {}
      : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }),
    ...(answer.cookie === undefined ? {} : { 'set-cookie': answer.cookie }),
    'cache-control': 'no-store',
    'x-request-id': exchange.requestId,
    'request-id': exchange.requestId,
  });
  exchange.response.end(text);
}

function assertJsonContentType(request: IncomingMessage): void {
  const mediaType = request.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw new GatewayError({
      code: 'unsupported_media_type',
      message: 'Send the sign-in as JSON ("content-type: application/json").',
    });
  }
}

function parseLoginSecret(body: unknown): string {
  const secret = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['key'] : undefined;
  if (typeof secret !== 'string' || secret === '') {
    throw new GatewayError({
      code: 'invalid_request',
      message: '`key` must be the API key to sign in with (a non-empty string).',
      param: 'key',
    });
  }
  return secret;
}
