import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyRecord, KeyRole, KeyStore } from '../storage/index.js';
import { createKeySecret, isWellFormedKeySecret, keySecretPrefix } from './create-key-secret.js';
import { digestKey } from './digest-key.js';

/** Operator-fixed secrets (from the config file) must be at least this long. */
export const fixedSecretLengthMin = 20;
/** Authenticated keys kept in memory; bounded so a key-guessing flood cannot grow it. */
const cacheCountMax = 10_000;
/**
 * How long a cached key is trusted before it is read again: a key revoked by
 * another process (the CLI, another node) stops working within this time.
 */
export const keyCacheTtlMs = 5_000;

export interface CreateKeyInput {
  readonly orgId: string;
  readonly name: string;
  readonly role: KeyRole;
  /** A fixed secret from the config file, accepted as given (≥ 20 characters). */
  readonly secret?: string;
  readonly limitNanos?: bigint | null;
  readonly limitReset?: KeyRecord['limitReset'];
}

export interface KeyService {
  createKey(input: CreateKeyInput): { readonly record: KeyRecord; readonly secret: string };
  authenticate(secret: string): KeyRecord | undefined;
  listKeys(orgId: string | undefined): readonly KeyRecord[];
  revokeKey(id: string): boolean;
}

/** Keys: created with a random secret shown once, stored as a keyed digest, checked in constant time. */
export function createKeyService(options: {
  readonly store: KeyStore;
  readonly pepper: Buffer;
  readonly now?: () => number;
}): KeyService {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { readonly record: KeyRecord; readonly cachedAtMs: number }>();

  function createKey(input: CreateKeyInput): { record: KeyRecord; secret: string } {
    const secret = input.secret ?? createKeySecret();
    if (secret.length < fixedSecretLengthMin)
      throw new Error(`A key secret needs at least ${fixedSecretLengthMin} characters.`);
    const record: KeyRecord = {
      id: `key_${randomBytes(8).toString('hex')}`,
      orgId: input.orgId,
      name: input.name,
      role: input.role,
      digest: digestKey(options.pepper, secret),
      displayPrefix: secret.slice(0, Math.min(14, secret.length - 4)),
      lastFour: secret.slice(-4),
      createdAtMs: now(),
      revokedAtMs: null,
      limitNanos: input.limitNanos ?? null,
      limitReset: input.limitReset ?? 'none',
    };
    options.store.insertKey(record);
    return { record, secret };
  }

  function authenticate(secret: string): KeyRecord | undefined {
    if (secret.length < fixedSecretLengthMin || secret.length > 512) return undefined;
    // A generated-format key with a bad checksum is a typo or a guess: reject before any lookup.
    if (secret.startsWith(keySecretPrefix) && !isWellFormedKeySecret(secret)) return undefined;
    const digest = digestKey(options.pepper, secret);
    const nowMs = now();
    const cached = cache.get(digest);
    const record =
      cached !== undefined && nowMs - cached.cachedAtMs < keyCacheTtlMs
        ? cached.record
        : options.store.findKeyByDigest(digest);
    if (record === undefined || record.revokedAtMs !== null) {
      cache.delete(digest);
      return undefined;
    }
    if (!timingSafeEqual(Buffer.from(record.digest, 'hex'), Buffer.from(digest, 'hex'))) return undefined;
    if (cached?.record !== record) {
      if (cache.size >= cacheCountMax) cache.clear();
      cache.set(digest, { record, cachedAtMs: nowMs });
    }
    return record;
  }

  function revokeKey(id: string): boolean {
    const isRevoked = options.store.revokeKey(id, now());
    for (const [digest, entry] of cache) if (entry.record.id === id) cache.delete(digest);
    return isRevoked;
  }

  return { createKey, authenticate, listKeys: (orgId) => options.store.listKeys(orgId), revokeKey };
}
