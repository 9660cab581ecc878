import { describe, expect, it } from 'vitest';
import { ledgerAccounts } from './ledger-accounts.js';

describe('ledgerAccounts', () => {
  it('names an org account by its org, and parses the name back, colons in the id included', () => {
    expect(ledgerAccounts.orgAvailable('acme')).toBe('org:acme:available');
    expect(ledgerAccounts.orgHeld('team:eu')).toBe('org:team:eu:held');
    expect(ledgerAccounts.parseOrg(ledgerAccounts.orgHeld('team:eu'))).toEqual({ orgId: 'team:eu', side: 'held' });
    expect(ledgerAccounts.parseOrg('platform:revenue')).toBeUndefined();
  });

  it('names every org right past the bound on remembered names (5 000 orgs, twice over)', () => {
    const orgIds = Array.from({ length: 5_000 }, (_, index) => `org_${index}`);
    for (let round = 0; round < 2; round += 1) {
      for (const orgId of orgIds) {
        expect(ledgerAccounts.orgAvailable(orgId)).toBe(`org:${orgId}:available`);
        expect(ledgerAccounts.orgHeld(orgId)).toBe(`org:${orgId}:held`);
      }
    }
  });
});
