import { describe, expect, it, vi } from 'vitest';
import { GatewayError } from '../errors/index.js';
import { openSqliteStorage } from '../storage/index.js';
import type { KeyRecord, KeyStore } from '../storage/index.js';
import { toAsyncPort } from '../storage/async-port.js';
import { createKeySecret } from './create-key-secret.js';
import { createKeyService, keyCacheTtlMs, keyStaleUseMs } from './create-key-service.js';
import { digestKey } from './digest-key.js';

const pepper = Buffer.alloc(32, 7);

/** A key service over an in-memory database with orgs `default` and `acme`; the store's lookups are spied on. */
function createTestService(options: { nowMs?: () => number } = {}) {
  const storage = openSqliteStorage({ path: ':memory:' });
  storage.orgs.ensureOrg({ id: 'default', name: 'Default', createdAtMs: 0, markupBasisPoints: 0 });
  storage.orgs.ensureOrg({ id: 'acme', name: 'Acme', createdAtMs: 0, markupBasisPoints: 0 });
  const store: KeyStore = storage.keys;
  const findKeyByDigest = vi.spyOn(store, 'findKeyByDigest');
  const keys = createKeyService({ store, pepper, now: options.nowMs ?? (() => 1_000) });
  return { keys, store, storage, findKeyByDigest };
}

describe('createKeyService', () => {
  it('creates a key whose secret is shown once and stored only as its digest', () => {
    const { keys, store } = createTestService();
    const { record, secret } = keys.createKey({ orgId: 'acme', name: 'ci', role: 'member' });
    expect(record).toEqual({
      id: expect.stringMatching(/^key_[0-9a-f]{16}$/),
      orgId: 'acme',
      name: 'ci',
      role: 'member',
      digest: digestKey(pepper, secret),
      displayPrefix: secret.slice(0, 14),
      lastFour: secret.slice(-4),
      createdAtMs: 1_000,
      revokedAtMs: null,
      limitNanos: null,
      limitReset: 'none',
      isDisabled: false,
      expiresAtMs: null,
      allowedModels: null,
      rateLimits: { requestsPerMinute: null, tokensPerMinute: null, concurrencyMax: null },
    });
    expect(record.displayPrefix).toMatch(/^sk-mer-v1-[0-9A-Za-z]{4}$/);
    expect(JSON.stringify(store.listKeys(undefined), (_key, value: unknown) => String(value))).not.toContain(
      secret.slice(14, -4),
    );
  });

  it('stores a limit and its reset', () => {
    const { keys } = createTestService();
    const { record } = keys.createKey({
      orgId: 'acme',
      name: 'capped',
      role: 'member',
      limitNanos: 5_000_000_000n,
      limitReset: 'monthly',
    });
    expect(keys.listKeys('acme')).toEqual([record]);
    expect([record.limitNanos, record.limitReset]).toEqual([5_000_000_000n, 'monthly']);
    expect(() => keys.createKey({ orgId: 'acme', name: 'bad', role: 'member', limitNanos: -1n })).toThrow(GatewayError);
  });

  it('authenticates the shown secret, and serves repeats from the cache', () => {
    const { keys, findKeyByDigest } = createTestService();
    const { record, secret } = keys.createKey({ orgId: 'default', name: 'ci', role: 'member' });
    expect(keys.authenticate(secret)).toEqual(record);
    expect(keys.authenticate(secret)).toEqual(record);
    expect(findKeyByDigest).toHaveBeenCalledTimes(1);
  });

  it('rejects a wrong key after one lookup', () => {
    const { keys, findKeyByDigest } = createTestService();
    keys.createKey({ orgId: 'default', name: 'ci', role: 'member' });
    expect(keys.authenticate(createKeySecret())).toBeUndefined();
    expect(findKeyByDigest).toHaveBeenCalledTimes(1);
  });

  it('rejects a typo, a too-short and a too-long secret before any lookup', () => {
    const { keys, findKeyByDigest } = createTestService();
    const { secret } = keys.createKey({ orgId: 'default', name: 'ci', role: 'member' });
    const typo = secret.slice(0, 20) + (secret[20] === 'a' ? 'b' : 'a') + secret.slice(21);
    expect(keys.authenticate(typo)).toBeUndefined();
    expect(keys.authenticate('short')).toBeUndefined();
    expect(keys.authenticate('x'.repeat(513))).toBeUndefined();
    expect(keys.authenticate(secret.slice(0, -1))).toBeUndefined();
    expect(findKeyByDigest).not.toHaveBeenCalled();
  });

  it('never accepts a stored digest as a credential', () => {
    const { keys } = createTestService();
    const { record } = keys.createKey({ orgId: 'default', name: 'ci', role: 'admin' });
    expect(keys.authenticate(record.digest)).toBeUndefined();
    expect(keys.authenticate(record.digest.toUpperCase())).toBeUndefined();
  });

  it('refuses a record the store returns under another digest, then and on every later call', () => {
    const { keys, store } = createTestService();
    const { record, secret } = keys.createKey({ orgId: 'acme', name: 'ci', role: 'member' }) as {
      record: KeyRecord;
      secret: string;
    };
    const wrong = { ...record, digest: digestKey(pepper, `${secret}-other`) };
    vi.spyOn(store, 'findKeyByDigest').mockReturnValue(wrong);
    expect(keys.authenticate(secret)).toBeUndefined();
    expect(keys.authenticate(secret)).toBeUndefined();
  });

  it('rejects a key digested with another pepper', () => {
    const { keys, store } = createTestService();
    const { secret } = keys.createKey({ orgId: 'default', name: 'ci', role: 'member' });
    const otherNode = createKeyService({ store, pepper: Buffer.alloc(32, 8) });
    expect(otherNode.authenticate(secret)).toBeUndefined();
  });

  it('rejects a revoked key at once, even when it was cached', () => {
    const { keys } = createTestService();
    const { record, secret } = keys.createKey({ orgId: 'default', name: 'ci', role: 'member' });
    expect(keys.authenticate(secret)?.id).toBe(record.id);
    expect(keys.revokeKey(record.id)).toBe(true);
    expect(keys.authenticate(secret)).toBeUndefined();
    expect(keys.revokeKey(record.id)).toBe(false);
    expect(keys.revokeKey('key_unknown')).toBe(false);
    expect(keys.listKeys('default')[0]?.revokedAtMs).toBe(1_000);
  });

  it('notices a revocation made by another process within the cache TTL', () => {
    let nowMs = 0;
    const { keys, store } = createTestService({ nowMs: () => nowMs });
    const { record, secret } = keys.createKey({ orgId: 'default', name: 'ci', role: 'member' });
    expect(keys.authenticate(secret)?.id).toBe(record.id);
    store.revokeKey(record.id, 1);
    nowMs = keyCacheTtlMs - 1;
    expect(keys.authenticate(secret)?.id).toBe(record.id);
    nowMs = keyCacheTtlMs;
    expect(keys.authenticate(secret)).toBeUndefined();
  });

  it('accepts a fixed secret from the config file as given, and shows only 4 + 4 of its characters', () => {
    const { keys } = createTestService();
    const fixed = 'acme-ci-key-0123456789abcdef';
    const { record, secret } = keys.createKey({ orgId: 'default', name: 'fixed', role: 'admin', secret: fixed });
    expect(secret).toBe(fixed);
    expect([record.displayPrefix, record.lastFour]).toEqual(['acme', 'cdef']);
    expect(keys.authenticate(fixed)).toEqual(record);
    expect(keys.authenticate(`${fixed} `)).toBeUndefined();
  });

  it('accepts a generated key pasted into the config as a fixed secret', () => {
    const { keys } = createTestService();
    const pasted = createKeySecret();
    const { record } = keys.createKey({ orgId: 'default', name: 'pasted', role: 'member', secret: pasted });
    expect(record.displayPrefix).toBe(pasted.slice(0, 14));
    expect(keys.authenticate(pasted)).toEqual(record);
  });

  it.each([
    ['shorter than 20 characters', 'too-short-secret', 'at least 20'],
    ['a broken generated key, which could never authenticate', 'sk-mer-v1-this-is-my-own-secret', 'checksum'],
  ])('refuses a fixed secret %s', (_name, secret, message) => {
    const { keys } = createTestService();
    expect(() => keys.createKey({ orgId: 'default', name: 'x', role: 'member', secret })).toThrow(message);
    expect(keys.listKeys()).toEqual([]);
  });

  it('lists keys by org, or all of them', () => {
    const { keys } = createTestService();
    const first = keys.createKey({ orgId: 'default', name: 'a', role: 'admin' }).record;
    const second = keys.createKey({ orgId: 'acme', name: 'b', role: 'member' }).record;
    expect(keys.listKeys('acme')).toEqual([second]);
    expect(
      keys
        .listKeys()
        .map((record) => record.id)
        .sort(),
    ).toEqual([first.id, second.id].sort());
  });
});

describe('createKeyService over a store that answers through promises (PostgreSQL)', () => {
  function createAsyncService() {
    const { storage } = createTestService();
    let isDown = false;
    let nowMs = 1_000;
    const lookups: string[] = [];
    const store = {
      ...toAsyncPort(storage.keys),
      findKeyByDigest: (digest: string) => {
        lookups.push(digest);
        return isDown
          ? Promise.reject(new Error('connect ECONNREFUSED'))
          : Promise.resolve(storage.keys.findKeyByDigest(digest));
      },
    };
    const keys = createKeyService({ store, pepper, now: () => nowMs });
    return {
      keys,
      lookups,
      setDown: (down: boolean) => (isDown = down),
      advance: (ms: number) => (nowMs += ms),
    };
  }

  it('answers through promises, and from the cache at once', async () => {
    const { keys, lookups } = createAsyncService();
    const { record, secret } = await keys.createKey({ orgId: 'acme', name: 'ci', role: 'member' });
    expect(await keys.authenticate(secret)).toEqual(record);
    expect(keys.authenticate(secret)).toEqual(record);
    expect(lookups).toHaveLength(1);
  });

  it('asks the store once for a burst of calls with a key not cached, and again once the answer is in', async () => {
    const { keys, lookups } = createAsyncService();
    const { record, secret } = await keys.createKey({ orgId: 'acme', name: 'burst', role: 'member' });
    const other = await keys.createKey({ orgId: 'acme', name: 'other', role: 'member' });
    const answers = await Promise.all([
      ...Array.from({ length: 50 }, () => keys.authenticate(secret)),
      keys.authenticate(other.secret),
    ]);
    expect(answers.slice(0, 50)).toEqual(Array.from({ length: 50 }, () => record));
    expect(answers[50]).toEqual(other.record);
    expect(lookups).toHaveLength(2);
    await keys.revokeKey(record.id);
    const afterRevocation = await Promise.all([keys.authenticate(secret), keys.authenticate(secret)]);
    expect(afterRevocation).toEqual([undefined, undefined]);
    expect(lookups).toHaveLength(3);
  });

  it('shares a failed lookup only with the calls made while it was in flight', async () => {
    const { keys, lookups, setDown } = createAsyncService();
    const { record, secret } = await keys.createKey({ orgId: 'acme', name: 'down', role: 'member' });
    setDown(true);
    const failed = await Promise.allSettled([keys.authenticate(secret), keys.authenticate(secret)]);
    expect(failed.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    setDown(false);
    expect(await keys.authenticate(secret)).toEqual(record);
    expect(lookups).toHaveLength(2);
  });

  it('while the store is down, accepts a key seen live within keyStaleUseMs, and nothing else', async () => {
    const { keys, lookups, setDown, advance } = createAsyncService();
    const seen = await keys.createKey({ orgId: 'acme', name: 'seen', role: 'member' });
    const unseen = await keys.createKey({ orgId: 'acme', name: 'unseen', role: 'member' });
    expect(await keys.authenticate(seen.secret)).toEqual(seen.record);
    setDown(true);
    advance(keyCacheTtlMs);
    expect(await keys.authenticate(seen.secret)).toEqual(seen.record);
    await expect(keys.authenticate(unseen.secret)).rejects.toThrow('connect ECONNREFUSED');
    advance(keyStaleUseMs);
    await expect(keys.authenticate(seen.secret)).rejects.toThrow('connect ECONNREFUSED');
    expect(lookups).toHaveLength(4);
  });
});
