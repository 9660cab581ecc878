import type { KeyRecord, KeyStore, ServingPort } from '../../storage/index.js';
import type { SessionCookieContext } from './session-cookie.js';
import type { SessionStore, SessionView } from './session-store.js';

/**
 * What resolving a cookie needs: the sessions of this node, the key store (read directly, not cached), and the
 * trusted proxies (which cookie name the request's scheme uses).
 */
export interface SessionContext extends SessionCookieContext {
  readonly sessions: SessionStore;
  readonly storage: { readonly keys: Pick<ServingPort<KeyStore>, 'findKeyById'> };
  readonly now: () => number;
}

/**
 * The live session a session id names and the key it acts as, or undefined. The key is read from storage on
 * every request, not from the key service's short cache, so a key revoked, disabled, expired or rotated after
 * sign-in (here, by the CLI or by another node) ends the session's access at once; the session is then closed.
 */
export async function findSessionKey(
  context: SessionContext,
  sessionId: string,
): Promise<{ readonly session: SessionView; readonly key: KeyRecord } | undefined> {
  const nowMs = context.now();
  const session = context.sessions.find(sessionId, nowMs);
  if (session === undefined) return undefined;
  const key = await context.storage.keys.findKeyById(session.keyId);
  if (key === undefined || !isLiveKey(key, session.keyDigest, nowMs)) {
    context.sessions.close(sessionId);
    return undefined;
  }
  return { session, key };
}

function isLiveKey(key: KeyRecord, digestAtSignIn: string, nowMs: number): boolean {
  return (
    key.revokedAtMs === null &&
    !key.isDisabled &&
    (key.expiresAtMs === null || key.expiresAtMs > nowMs) &&
    key.digest === digestAtSignIn
  );
}
