import { describe, expect, it } from 'vitest';
import { createKeyRecord } from '../key-record-test-support.js';
import { openSqliteStorage } from './open-sqlite-storage.js';

// Patching, finding, revoking and refusing keys are conformance cases on both drivers
// (src/storage/conformance/keys.conformance.test.ts).

function openStorage() {
  const storage = openSqliteStorage({ path: ':memory:' });
  storage.orgs.ensureOrg({ id: 'default', name: 'Default', createdAtMs: 1, markupBasisPoints: 0 });
  storage.orgs.ensureOrg({ id: 'acme', name: 'Acme', createdAtMs: 1, markupBasisPoints: 0 });
  return storage;
}

describe('createSqliteKeyStore', () => {
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
});
