import { createHash, randomBytes } from 'node:crypto';

/** What a live session says about itself; the key it acts as is re-read on every request. */
export interface SessionView {
  /** The key the session was opened with. */
  readonly keyId: string;
  /** That key's digest at sign-in: a rotated or replaced secret no longer matches, which ends the session. */
  readonly keyDigest: string;
  /** Sent back in `x-csrf-token` on every state-changing request made with the cookie. */
  readonly csrfToken: string;
  /** When the session ends unless used again: the idle bound, capped by the absolute lifetime. */
  readonly expiresAtMs: number;
  /** When the session ends however busy it is (the cookie's `Max-Age` counts down to this). */
  readonly endsAtMs: number;
}

export interface SessionStore {
  /** Opens a session for a key; the returned id goes into the cookie and is never stored. */
  open(key: { readonly id: string; readonly digest: string }, nowMs: number): { id: string; session: SessionView };
  /** The live session a cookie names (and marks it used now); undefined for unknown, malformed or ended ids. */
  find(id: string, nowMs: number): SessionView | undefined;
  /** Ends a session (sign-out, or its key is no longer live); false when it was not open. */
  close(id: string): boolean;
  readonly size: number;
}

export interface SessionStoreOptions {
  readonly idleTimeoutMs: number;
  readonly lifetimeMs: number;
  readonly countMax: number;
  /** Live sessions one key may hold; its next sign-in ends its own oldest (one key cannot crowd out the others). */
  readonly perKeyCountMax: number;
}

interface StoredSession {
  readonly keyId: string;
  readonly keyDigest: string;
  readonly csrfToken: string;
  readonly createdAtMs: number;
  lastUsedAtMs: number;
}

/** 256 random bits, base64url without padding: 43 characters. */
const sessionIdPattern = /^[A-Za-z0-9_-]{43}$/;
const tokenBytes = 32;

/**
 * Dashboard sessions in memory on this node (lost on restart; sign in again). Entries are keyed by the SHA-256
 * of the session id, so a heap dump shows no id a browser could present. A `Map` keeps insertion order, which is
 * creation order: the first entry is the oldest, the one evicted at the count bound, and the first to reach its
 * absolute lifetime, so ended sessions are swept from the front on every sign-in. Each key's sessions are also
 * indexed in creation order: a key at `perKeyCountMax` loses its own oldest session when it signs in again, so one
 * key signing in over and over cannot reach the node's bound and end everyone else's. Time is passed in.
 */
export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const { idleTimeoutMs, lifetimeMs, countMax, perKeyCountMax } = options;
  if (!(idleTimeoutMs > 0) || !(lifetimeMs > 0) || !isCount(countMax) || !isCount(perKeyCountMax)) {
    throw new RangeError(
      'Sessions need idleTimeoutMs > 0, lifetimeMs > 0 and integer countMax and perKeyCountMax ≥ 1.',
    );
  }
  const sessions = new Map<string, StoredSession>();
  /** Key id → the digests of its live sessions, oldest first. */
  const byKey = new Map<string, Set<string>>();
  const isEnded = (session: StoredSession, nowMs: number): boolean =>
    nowMs >= session.lastUsedAtMs + idleTimeoutMs || nowMs >= session.createdAtMs + lifetimeMs;
  const view = (session: StoredSession): SessionView => ({
    keyId: session.keyId,
    keyDigest: session.keyDigest,
    csrfToken: session.csrfToken,
    expiresAtMs: Math.min(session.lastUsedAtMs + idleTimeoutMs, session.createdAtMs + lifetimeMs),
    endsAtMs: session.createdAtMs + lifetimeMs,
  });

  function remove(digest: string): boolean {
    const session = sessions.get(digest);
    if (session === undefined) return false;
    sessions.delete(digest);
    const keyDigests = byKey.get(session.keyId);
    keyDigests?.delete(digest);
    if (keyDigests?.size === 0) byKey.delete(session.keyId);
    return true;
  }

  function makeRoom(keyId: string, nowMs: number): void {
    for (const [digest, session] of sessions) {
      if (nowMs < session.createdAtMs + lifetimeMs) break;
      remove(digest);
    }
    makeRoomForKey(keyId, nowMs);
    if (sessions.size < countMax) return;
    // Sessions idle past their bound sit anywhere in the map; at the count bound one pass finds them.
    for (const [digest, session] of sessions) if (isEnded(session, nowMs)) remove(digest);
    while (sessions.size >= countMax) {
      const oldest = sessions.keys().next();
      if (oldest.done === true) break;
      remove(oldest.value);
    }
  }

  /** The key's idle-ended sessions go first; at its bound, its oldest live one. */
  function makeRoomForKey(keyId: string, nowMs: number): void {
    const keyDigests = byKey.get(keyId);
    if (keyDigests === undefined || keyDigests.size < perKeyCountMax) return;
    for (const digest of keyDigests) {
      const session = sessions.get(digest);
      if (session !== undefined && isEnded(session, nowMs)) remove(digest);
    }
    while (keyDigests.size >= perKeyCountMax) {
      const oldest = keyDigests.values().next();
      if (oldest.done === true) break;
      remove(oldest.value);
    }
  }

  return {
    open(key, nowMs) {
      makeRoom(key.id, nowMs);
      const id = randomBytes(tokenBytes).toString('base64url');
      const session: StoredSession = {
        keyId: key.id,
        keyDigest: key.digest,
        csrfToken: randomBytes(tokenBytes).toString('base64url'),
        createdAtMs: nowMs,
        lastUsedAtMs: nowMs,
      };
      const digest = digestSessionId(id);
      sessions.set(digest, session);
      const keyDigests = byKey.get(key.id);
      if (keyDigests === undefined) byKey.set(key.id, new Set([digest]));
      else keyDigests.add(digest);
      return { id, session: view(session) };
    },
    find(id, nowMs) {
      if (!sessionIdPattern.test(id)) return undefined;
      const digest = digestSessionId(id);
      const session = sessions.get(digest);
      if (session === undefined) return undefined;
      if (isEnded(session, nowMs)) {
        remove(digest);
        return undefined;
      }
      session.lastUsedAtMs = Math.max(session.lastUsedAtMs, nowMs);
      return view(session);
    },
    close(id) {
      return sessionIdPattern.test(id) && remove(digestSessionId(id));
    },
    get size() {
      return sessions.size;
    },
  };
}

const isCount = (value: number): boolean => Number.isInteger(value) && value >= 1;

/** The map key of a session id: SHA-256, hex. */
function digestSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}
