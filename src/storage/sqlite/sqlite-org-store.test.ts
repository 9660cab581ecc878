import { describe, expect, it } from 'vitest';
import { openSqliteStorage } from './open-sqlite-storage.js';

describe('createSqliteOrgStore', () => {
  it('creates an org once and never overwrites it', () => {
    const storage = openSqliteStorage({ path: ':memory:' });
    expect(storage.orgs.ensureOrg({ id: 'acme', name: 'Acme', createdAtMs: 1, markupBasisPoints: 0 })).toBe(true);
    expect(storage.orgs.ensureOrg({ id: 'acme', name: 'Other', createdAtMs: 2, markupBasisPoints: 0 })).toBe(false);
    expect(storage.orgs.findOrg('acme')).toEqual({ id: 'acme', name: 'Acme', createdAtMs: 1, markupBasisPoints: 0 });
    expect(storage.orgs.setMarkup('acme', 2_500)).toBe(true);
    expect(storage.orgs.listOrgs()).toEqual([{ id: 'acme', name: 'Acme', createdAtMs: 1, markupBasisPoints: 2_500 }]);
    expect(storage.orgs.findOrg('nobody')).toBeUndefined();
    storage.close();
  });
});
