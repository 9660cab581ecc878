import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/index.js';
import type { ServingKeyService } from '../keys/index.js';
import type { KeyRecord } from '../storage/index.js';
import { assertCsrfToken, findSessionKey, isSafeMethod, readRequestSessionCookie } from './session/index.js';
import type { SessionContext } from './session/index.js';

/** What authenticating a request needs: the key service, and the dashboard sessions for the cookie. */
export interface AuthenticationContext extends SessionContext {
  readonly keys: ServingKeyService;
}

/**
 * Finds the calling key from `Authorization: Bearer …` (every route) or `x-api-key` (Anthropic clients), or,
 * when neither header is sent, from the dashboard's session cookie. An explicit header always wins. A request
 * signed in by cookie that is not GET/HEAD must carry the session's CSRF token (else 403 `csrf_failed`).
 * Missing or unknown keys get 401 with the same message, so the answer does not tell which keys exist.
 */
export async function authenticate(request: IncomingMessage, context: AuthenticationContext): Promise<KeyRecord> {
  assertOneKeyHeader(request);
  const sessionId = hasKeyHeader(request) ? undefined : readRequestSessionCookie(request, context);
  if (sessionId !== undefined) {
    const found = await findSessionKey(context, sessionId);
    if (found === undefined) {
      throw new GatewayError({ code: 'authentication_failed', message: 'Not signed in, or the session has ended.' });
    }
    if (!isSafeMethod(request.method)) assertCsrfToken(request, found.session.csrfToken);
    return found.key;
  }
  const secret = readSecret(request);
  if (secret === undefined) {
    throw new GatewayError({
      code: 'authentication_failed',
      message: 'Missing API key. Send it as "Authorization: Bearer <key>".',
    });
  }
  const key = await context.keys.authenticate(secret);
  if (key === undefined) {
    throw new GatewayError({ code: 'authentication_failed', message: 'Invalid API key.' });
  }
  return key;
}

/**
 * The key a live session cookie acts as when no key header is sent, else undefined (never throws): for routes
 * that answer without credentials too (the public barometer). Only for GET routes: no CSRF check here.
 */
export async function readSessionKey(
  request: IncomingMessage,
  context: SessionContext,
): Promise<KeyRecord | undefined> {
  return hasKeyHeader(request) ? undefined : (await readSession(request, context))?.key;
}

/** Whether the request names a key in a header (present at all, even malformed: it then wins over a cookie). */
export function hasKeyHeader(request: IncomingMessage): boolean {
  return request.headers.authorization !== undefined || request.headers['x-api-key'] !== undefined;
}

/** Requires the admin role (management routes). */
export function requireAdmin(key: KeyRecord): void {
  if (key.role !== 'admin') {
    throw new GatewayError({ code: 'permission_denied', message: 'This route needs an admin key.' });
  }
}

async function readSession(request: IncomingMessage, context: SessionContext): ReturnType<typeof findSessionKey> {
  const sessionId = readRequestSessionCookie(request, context);
  return sessionId === undefined ? undefined : await findSessionKey(context, sessionId);
}

/**
 * Two `Authorization` (or `x-api-key`) lines are refused: Node keeps only the first `Authorization` and joins the
 * others, so the call would act as whichever key came first (a proxy adding its own, say) without anyone choosing.
 */
function assertOneKeyHeader(request: IncomingMessage): void {
  for (const name of ['authorization', 'x-api-key']) {
    const count = request.headersDistinct[name]?.length ?? 0;
    if (count > 1) {
      throw new GatewayError({
        code: 'invalid_request',
        message: `The request carries ${count} ${name} headers; send the API key once.`,
        param: name,
      });
    }
  }
}

function readSecret(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}
