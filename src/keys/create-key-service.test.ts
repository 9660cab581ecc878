import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStorage } from '../storage/index.js';
import { createKeySecret, isWellFormedKeySecret } from './create-key-secret.js';
import { createKeyService, keyCacheTtlMs } from './create-key-service.js';
import { loadPepper } from './load-pepper.js';

const directory = mkdtempSync(join(tmpdir(), 'meridian-keys-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function createService() {
  const storage = openSqliteStorage({ path: ':memory:' });
  storage.orgs.ensureOrg({ id: 'default', name: 'Default', createdAtMs: 0 });
  return createKeyService({ store: storage.keys, pepper: Buffer.alloc(32, 7), now: () => 1_000 });
}

describe('key secrets', () => {
  it('have the typed prefix, 48 characters and a valid checksum', () => {
    const secret = createKeySecret();
    expect(secret).toMatch(/^sk-mer-v1-[0-9A-Za-z]{38}$/);
    expect(isWellFormedKeySecret(secret)).toBe(true);
    expect(createKeySecret()).not.toBe(secret);
  });

  it('reject a one-character typo through the checksum', () => {
    const secret = createKeySecret();
    const index = 15;
    const typo = secret.slice(0, index) + (secret[index] === 'a' ? 'b' : 'a') + secret.slice(index + 1);
    expect(isWellFormedKeySecret(typo)).toBe(false);
  });
});

describe('createKeyService', () => {
  it('authenticates the shown secret and stores only its digest', () => {
    const keys = createService();
    const { record, secret } = keys.createKey({ orgId: 'default', name: 'ci', role: 'member' });
    expect(keys.authenticate(secret)).toEqual(record);
    expect(record.digest).not.toContain(secret.slice(10));
    expect(record.displayPrefix).toBe(secret.slice(0, 14));
    expect(record.lastFour).toBe(secret.slice(-4));
  });

  it('rejects wrong, revoked and digest-as-secret credentials', () => {
    const keys = createService();
    const { record, secret } = keys.createKey({ orgId: 'default', name: 'ci', role: 'member' });
    expect(keys.authenticate(createKeySecret())).toBeUndefined();
    expect(keys.authenticate(record.digest)).toBeUndefined();
    expect(keys.authenticate('short')).toBeUndefined();
    expect(keys.revokeKey(record.id)).toBe(true);
    expect(keys.authenticate(secret)).toBeUndefined();
  });

  it('notices a revocation made by another process within the cache TTL', () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    storage.orgs.ensureOrg({ id: 'default', name: 'Default', createdAtMs: 0 });
    let nowMs = 0;
    const keys = createKeyService({ store: storage.keys, pepper: Buffer.alloc(32, 7), now: () => nowMs });
    const { record, secret } = keys.createKey({ orgId: 'default', name: 'ci', role: 'member' });
    expect(keys.authenticate(secret)?.id).toBe(record.id);
    storage.keys.revokeKey(record.id, 1);
    nowMs = keyCacheTtlMs - 1;
    expect(keys.authenticate(secret)?.id).toBe(record.id);
    nowMs = keyCacheTtlMs;
    expect(keys.authenticate(secret)).toBeUndefined();
  });

  it('accepts a fixed secret from the config file as given', () => {
    const keys = createService();
    const fixed = 'acme-ci-key-0123456789abcdef';
    const { record } = keys.createKey({ orgId: 'default', name: 'fixed', role: 'admin', secret: fixed });
    expect(keys.authenticate(fixed)).toEqual(record);
    expect(() => keys.createKey({ orgId: 'default', name: 'x', role: 'member', secret: 'too-short' })).toThrow(
      'at least 20',
    );
  });
});

describe('loadPepper', () => {
  it('creates a 32-byte pepper file with mode 0600 once and reuses it', () => {
    const first = loadPepper({ env: {}, dataDirectory: directory });
    expect(first.length).toBe(32);
    expect(statSync(join(directory, 'key-pepper')).mode & 0o777).toBe(0o600);
    expect(loadPepper({ env: {}, dataDirectory: directory })).toEqual(first);
  });

  it('prefers MERIDIAN_KEY_PEPPER and refuses a short one', () => {
    expect(loadPepper({ env: { MERIDIAN_KEY_PEPPER: 'ab'.repeat(32) }, dataDirectory: directory })).toEqual(
      Buffer.alloc(32, 0xab),
    );
    expect(() => loadPepper({ env: { MERIDIAN_KEY_PEPPER: 'abcd' }, dataDirectory: directory })).toThrow(
      'at least 32 bytes',
    );
  });
});
