import { randomBytes, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../errors/index.js';
import type {
  KeyPatch,
  KeyRateLimits,
  KeyRecord,
  KeyRole,
  KeySecretFields,
  KeyStore,
  MaybePromise,
  ServingPort,
} from '../storage/index.js';
import { createKeySecret, isWellFormedKeySecret, keySecretPrefix } from './create-key-secret.js';
import { digestKey } from './digest-key.js';

/** Operator-fixed secrets (from the config file) must be at least this long. */
export const fixedSecretLengthMin = 20;
/** Longer presented secrets are rejected without hashing (no key is this long). */
const secretLengthMax = 512;
/** Authenticated keys kept in memory; bounded so a flood of distinct keys cannot grow it. */
const cacheCountMax = 10_000;
/**
 * How long a cached key is trusted before it is read again: a key revoked by
 * another process (the CLI, another node) stops working within this time.
 */
export const keyCacheTtlMs = 5_000;
/** While the key store cannot answer, a key cached within this long is still accepted (never once it answers again). */
export const keyStaleUseMs = 10 * 60_000;
/** Characters of a generated secret shown in listings: the typed prefix plus 4 random characters. */
const generatedDisplayPrefixLength = 14;
/**
 * Characters of an operator-fixed secret shown in listings. A fixed secret may be
 * only 20 characters long; showing 14 of them plus the last 4 would leave 2 secret.
 */
const fixedDisplayPrefixLength = 4;
const digestBytes = 32;

export interface CreateKeyInput {
  readonly orgId: string;
  readonly name: string;
  readonly role: KeyRole;
  /**
   * An operator-fixed secret from the config file, accepted as given: any string
   * of at least {@link fixedSecretLengthMin} characters. Omitted → generated.
   */
  readonly secret?: string;
  /** Credit limit in nano-units; null or omitted = none. */
  readonly limitNanos?: bigint | null;
  readonly limitReset?: KeyRecord['limitReset'];
  readonly expiresAtMs?: number | null;
  readonly allowedModels?: readonly string[] | null;
  readonly rateLimits?: Partial<KeyRateLimits>;
  /** Created disabled: it authenticates to nothing until enabled (default false). */
  readonly isDisabled?: boolean;
  /** The key's id, when the caller needs it known in advance (the config's keys); else a random one. */
  readonly id?: string;
}

export interface KeyService {
  /** Stores a new key; the returned secret is shown once and never stored. */
  createKey(input: CreateKeyInput): { readonly record: KeyRecord; readonly secret: string };
  /** The live key a presented secret belongs to; undefined for unknown, malformed or revoked keys. */
  authenticate(secret: string): KeyRecord | undefined;
  listKeys(orgId?: string): readonly KeyRecord[];
  /** Revokes a key at once on this node (others notice within {@link keyCacheTtlMs}); false if unknown or already revoked. */
  revokeKey(id: string): boolean;
  /** Changes a key (disable/enable, limits, allow-list, expiry) at once on this node; undefined if unknown. */
  updateKey(id: string, patch: KeyPatch): KeyRecord | undefined;
  /**
   * Gives a live key a new generated secret, shown once: the old secret stops working at once on this node (others
   * notice within {@link keyCacheTtlMs}, as for a revocation); the key keeps its id, settings, spend and limit windows.
   * Undefined for an unknown or revoked key.
   */
  rotateKey(id: string): { readonly record: KeyRecord; readonly secret: string } | undefined;
}

/** The key service over a store that may answer later (PostgreSQL): every answer may be a promise. */
export type ServingKeyService = ServingPort<KeyService>;

interface KeyServiceOptions<S> {
  readonly store: S;
  readonly pepper: Buffer;
  readonly now?: () => number;
}

/**
 * Keys as RELIABILITY.md's security baselines ask: random secrets in a typed,
 * checksummed format, shown once; stored only as HMAC-SHA-256(pepper, secret) plus
 * a display prefix and the last 4 characters; looked up by digest and compared in
 * constant time. The secret is digested before any lookup, so a stored digest
 * presented as a credential is digested again and matches nothing.
 *
 * Over a synchronous store (SQLite) every answer is immediate; over a store that answers through promises (PostgreSQL) answers are promises, except an
 * authentication served from the cache, which stays synchronous.
 */
export function createKeyService(options: KeyServiceOptions<KeyStore>): KeyService;
export function createKeyService(options: KeyServiceOptions<ServingPort<KeyStore>>): ServingKeyService;
export function createKeyService(options: KeyServiceOptions<ServingPort<KeyStore>>): ServingKeyService {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { readonly record: KeyRecord; readonly cachedAtMs: number }>();
  /**
   * Lookups in flight by digest (a store answering through promises): a burst of calls with a key not cached (a new
   * key, or every 5 s when its entry runs out) asks the store once, not once per call. Emptied by every change to a
   * key, so no call that starts after a revocation joins a lookup that started before it.
   */
  const lookups = new Map<string, Promise<KeyRecord | undefined>>();

  function createKey(input: CreateKeyInput): MaybePromise<{ record: KeyRecord; secret: string }> {
    if (input.secret !== undefined) assertUsableFixedSecret(input.secret);
    if (input.limitNanos !== undefined && input.limitNanos !== null && input.limitNanos < 0n) {
      throw new GatewayError({ code: 'invalid_request', message: 'A key limit cannot be negative.', param: 'limit' });
    }
    const secret = input.secret ?? createKeySecret();
    const record: KeyRecord = {
      id: input.id ?? `key_${randomBytes(8).toString('hex')}`,
      orgId: input.orgId,
      name: input.name,
      role: input.role,
      ...describeSecret(secret),
      createdAtMs: now(),
      revokedAtMs: null,
      limitNanos: input.limitNanos ?? null,
      limitReset: input.limitReset ?? 'none',
      isDisabled: input.isDisabled ?? false,
      expiresAtMs: input.expiresAtMs ?? null,
      allowedModels: input.allowedModels ?? null,
      rateLimits: {
        requestsPerMinute: input.rateLimits?.requestsPerMinute ?? null,
        tokensPerMinute: input.rateLimits?.tokensPerMinute ?? null,
        concurrencyMax: input.rateLimits?.concurrencyMax ?? null,
      },
    };
    return whenDone(options.store.insertKey(record), () => ({ record, secret }));
  }

  function describeSecret(secret: string): KeySecretFields {
    const displayPrefixLength = isWellFormedKeySecret(secret) ? generatedDisplayPrefixLength : fixedDisplayPrefixLength;
    return {
      digest: digestKey(options.pepper, secret),
      displayPrefix: secret.slice(0, displayPrefixLength),
      lastFour: secret.slice(-4),
    };
  }

  function authenticate(secret: string): MaybePromise<KeyRecord | undefined> {
    // Cheap checks first: nothing this short or long is a key, and a generated-format
    // key with a bad checksum is a typo or a guess; neither costs an HMAC or a lookup.
    if (secret.length < fixedSecretLengthMin || secret.length > secretLengthMax) return undefined;
    if (secret.startsWith(keySecretPrefix) && !isWellFormedKeySecret(secret)) return undefined;
    const digest = digestKey(options.pepper, secret);
    const nowMs = now();
    const cached = cache.get(digest);
    if (cached !== undefined && nowMs - cached.cachedAtMs < keyCacheTtlMs)
      return acceptKey(cached.record, digest, nowMs);
    const found = lookups.get(digest) ?? options.store.findKeyByDigest(digest);
    if (!(found instanceof Promise)) return acceptKey(found, digest, nowMs);
    shareLookup(digest, found);
    return found.then(
      (record) => acceptKey(record, digest, nowMs),
      (error: unknown) => {
        // The store cannot answer (PostgreSQL down): a key seen live within keyStaleUseMs still authenticates,
        // so reads and the metrics keep working; paid calls still stop at admission, which needs the ledger.
        if (cached === undefined || nowMs - cached.cachedAtMs >= keyStaleUseMs) throw error;
        return acceptKey(cached.record, digest, nowMs);
      },
    );
  }

  function shareLookup(digest: string, found: Promise<KeyRecord | undefined>): void {
    if (lookups.get(digest) === found) return;
    lookups.set(digest, found);
    const forget = (): void => {
      if (lookups.get(digest) === found) lookups.delete(digest);
    };
    found.then(forget, forget);
  }

  /**
   * The record if it is live and its digest matches (cached for {@link keyCacheTtlMs}); else undefined. A record
   * served from the cache was compared when it was cached, under the very digest it is filed under.
   */
  function acceptKey(record: KeyRecord | undefined, digest: string, nowMs: number): KeyRecord | undefined {
    const cached = cache.get(digest);
    if (
      record === undefined ||
      record.revokedAtMs !== null ||
      record.isDisabled ||
      (record.expiresAtMs !== null && record.expiresAtMs <= nowMs) ||
      (cached?.record !== record && !isSameDigest(record.digest, digest))
    ) {
      cache.delete(digest);
      return undefined;
    }
    if (cached?.record !== record) {
      if (cache.size >= cacheCountMax) cache.clear();
      cache.set(digest, { record, cachedAtMs: nowMs });
    }
    return record;
  }

  function forgetKey(id: string): void {
    for (const [digest, entry] of cache) if (entry.record.id === id) cache.delete(digest);
    lookups.clear();
  }

  function revokeKey(id: string): MaybePromise<boolean> {
    return whenDone(options.store.revokeKey(id, now()), (isRevoked) => {
      forgetKey(id);
      return isRevoked;
    });
  }

  function updateKey(id: string, patch: KeyPatch): MaybePromise<KeyRecord | undefined> {
    return whenDone(options.store.updateKey(id, patch), (updated) => {
      forgetKey(id);
      return updated;
    });
  }

  function rotateKey(id: string): MaybePromise<{ record: KeyRecord; secret: string } | undefined> {
    const secret = createKeySecret();
    return whenDone(options.store.replaceSecret(id, describeSecret(secret)), (record) => {
      forgetKey(id);
      return record === undefined ? undefined : { record, secret };
    });
  }

  return {
    createKey,
    authenticate,
    listKeys: (orgId) => options.store.listKeys(orgId),
    revokeKey,
    updateKey,
    rotateKey,
  };
}

/** Constant-time comparison of two hex digests (the lookup matched by index; this is the baseline's second check). */
function isSameDigest(storedDigest: string, presentedDigest: string): boolean {
  const stored = Buffer.from(storedDigest, 'hex');
  const presented = Buffer.from(presentedDigest, 'hex');
  return stored.length === digestBytes && presented.length === digestBytes && timingSafeEqual(stored, presented);
}

function assertUsableFixedSecret(secret: string): void {
  if (secret.length < fixedSecretLengthMin || secret.length > secretLengthMax) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `A fixed key secret needs at least ${fixedSecretLengthMin} and at most ${secretLengthMax} characters.`,
      param: 'key',
    });
  }
  // Such a secret would be refused by authenticate() before any lookup, so it must not be stored either.
  if (secret.startsWith(keySecretPrefix) && !isWellFormedKeySecret(secret)) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `A fixed key secret starting with '${keySecretPrefix}' must be a complete generated key (its checksum does not match).`,
      param: 'key',
    });
  }
}

/** Applies `next` to a value now, or when its promise resolves: synchronous stores stay synchronous. */
function whenDone<T, U>(value: MaybePromise<T>, next: (resolved: T) => U): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
