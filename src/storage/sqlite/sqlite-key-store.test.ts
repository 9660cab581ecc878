import { describe, expect, it } from 'vitest';
import type { KeyRecord } from '../ports.js';
import { openSqliteStorage } from './open-sqlite-storage.js';

function createKeyRecord(id: string, overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id,
    orgId: 'default',
    name: 'ci',
    role: 'member',
    digest: id.padEnd(64, '0'),
    displayPrefix: 'sk-mer-v1-abcd',
    lastFour: 'wxyz',
    createdAtMs: 5,
    revokedAtMs: null,
    limitNanos: null,
    limitReset: 'none',
    isDisabled: false,
    expiresAtMs: null,
    allowedModels: null,
    rateLimits: { requestsPerMinute: null, tokensPerMinute: null, concurrencyMax: null },
    ...overrides,
  };
}

function openStorage() {
  const storage = openSqliteStorage({ path: ':memory:' });
  storage.orgs.ensureOrg({ id: 'default', name: 'Default', createdAtMs: 1, markupBasisPoints: 0 });
  storage.orgs.ensureOrg({ id: 'acme', name: 'Acme', createdAtMs: 1, markupBasisPoints: 0 });
  return storage;
}

describe('updateKey', () => {
  it('patches limits, allow-list, expiry and the disable switch, keeping the rest', () => {
    const storage = openStorage();
    storage.keys.insertKey(createKeyRecord('key_patch'));
    const updated = storage.keys.updateKey('key_patch', {
      isDisabled: true,
      limitNanos: 5_000_000_000n,
      limitReset: 'daily',
      allowedModels: ['deepseek/deepseek-v3.2'],
      rateLimits: { requestsPerMinute: 60 },
      expiresAtMs: 99,
    });
    expect(updated).toEqual(storage.keys.findKeyById('key_patch'));
    expect(updated).toMatchObject({
      name: 'ci',
      isDisabled: true,
      limitNanos: 5_000_000_000n,
      limitReset: 'daily',
      allowedModels: ['deepseek/deepseek-v3.2'],
      expiresAtMs: 99,
      rateLimits: { requestsPerMinute: 60, tokensPerMinute: null, concurrencyMax: null },
    });
    expect(storage.keys.updateKey('key_missing', { isDisabled: true })).toBeUndefined();
  });
});

describe('createSqliteKeyStore', () => {
  it('finds a key by digest and by id, limit above 2^53 included', () => {
    const storage = openStorage();
    const key = createKeyRecord('a1', { role: 'admin', limitNanos: 2n ** 60n + 7n, limitReset: 'monthly' });
    storage.keys.insertKey(key);
    expect(storage.keys.findKeyByDigest(key.digest)).toEqual(key);
    expect(storage.keys.findKeyById('a1')).toEqual(key);
    expect(storage.keys.findKeyByDigest('f'.repeat(64))).toBeUndefined();
    expect(storage.keys.findKeyById('missing')).toBeUndefined();
    storage.close();
  });

  it('lists keys of one org or of all, oldest first', () => {
    const storage = openStorage();
    const first = createKeyRecord('b1', { createdAtMs: 10 });
    const second = createKeyRecord('b2', { orgId: 'acme', createdAtMs: 20 });
    const third = createKeyRecord('b3', { createdAtMs: 30 });
    for (const key of [third, first, second]) storage.keys.insertKey(key);
    expect(storage.keys.listKeys('default')).toEqual([first, third]);
    expect(storage.keys.listKeys('acme')).toEqual([second]);
    expect(storage.keys.listKeys('nobody')).toEqual([]);
    expect(storage.keys.listKeys(undefined)).toEqual([first, second, third]);
    storage.close();
  });

  it('revokes once, keeps the first revocation time, and counts only live keys by role', () => {
    const storage = openStorage();
    storage.keys.insertKey(createKeyRecord('c1', { role: 'admin' }));
    storage.keys.insertKey(createKeyRecord('c2', { role: 'admin' }));
    storage.keys.insertKey(createKeyRecord('c3'));
    expect([storage.keys.countKeysByRole('admin'), storage.keys.countKeysByRole('member')]).toEqual([2, 1]);
    expect(storage.keys.revokeKey('c1', 9)).toBe(true);
    expect(storage.keys.revokeKey('c1', 10)).toBe(false);
    expect(storage.keys.revokeKey('missing', 10)).toBe(false);
    expect(storage.keys.findKeyById('c1')?.revokedAtMs).toBe(9);
    expect(storage.keys.countKeysByRole('admin')).toBe(1);
    storage.close();
  });

  it('refuses a duplicate digest, a duplicate id and a key of an unknown org', () => {
    const storage = openStorage();
    storage.keys.insertKey(createKeyRecord('d1'));
    expect(() => storage.keys.insertKey(createKeyRecord('d2', { digest: 'd1'.padEnd(64, '0') }))).toThrow(/UNIQUE/);
    expect(() => storage.keys.insertKey(createKeyRecord('d1', { digest: 'e'.repeat(64) }))).toThrow(/UNIQUE/);
    expect(() => storage.keys.insertKey(createKeyRecord('d3', { orgId: 'nobody' }))).toThrow(/FOREIGN KEY/);
    storage.close();
  });
});
