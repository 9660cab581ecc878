import { LedgerRefusal } from '../ledger-refusal.js';
import { describe, expect, it } from 'vitest';
import { openTestLedger } from './test-support.js';

describe('grant', () => {
  it('credits the org once per grant id and posts platform:grants → org available', () => {
    const { ledger } = openTestLedger();
    expect(ledger.grant({ grantId: 'g-1', orgId: 'org-a', amount: 5_000n, nowMs: 10 })).toBe(true);
    expect(ledger.grant({ grantId: 'g-1', orgId: 'org-a', amount: 5_000n, nowMs: 20 })).toBe(false);
    expect(ledger.grant({ grantId: 'g-2', orgId: 'org-a', amount: 2n ** 59n, nowMs: 30 })).toBe(true);
    expect(ledger.balance('org-a')).toEqual({
      availableNanos: 5_000n + 2n ** 59n,
      heldNanos: 0n,
      grantedNanos: 5_000n + 2n ** 59n,
      chargedNanos: 0n,
    });
    expect(ledger.postings({ account: 'org:org-a:available' })).toEqual([
      {
        id: 1,
        transferId: 'grant:g-1',
        debitAccount: 'platform:grants',
        creditAccount: 'org:org-a:available',
        amount: 5_000n,
        kind: 'grant',
        requestId: null,
        attemptId: null,
        keyId: null,
        createdAtMs: 10,
      },
      expect.objectContaining({ id: 2, transferId: 'grant:g-2', amount: 2n ** 59n }),
    ]);
  });

  it('returns zero balances for an org it has never seen', () => {
    const { ledger } = openTestLedger();
    expect(ledger.balance('nobody')).toEqual({ availableNanos: 0n, heldNanos: 0n, grantedNanos: 0n, chargedNanos: 0n });
  });

  it('refuses a grant id reused for another org or amount, and zero, negative or huge amounts', () => {
    const { ledger } = openTestLedger();
    ledger.grant({ grantId: 'g-1', orgId: 'org-a', amount: 5_000n, nowMs: 10 });
    expect(() => ledger.grant({ grantId: 'g-1', orgId: 'org-b', amount: 5_000n, nowMs: 10 })).toThrow(
      "grant_id 'g-1' was already used for another org or amount.",
    );
    expect(() => ledger.grant({ grantId: 'g-1', orgId: 'org-a', amount: 5_001n, nowMs: 10 })).toThrow(LedgerRefusal);
    expect(() => ledger.grant({ grantId: 'g-2', orgId: 'org-a', amount: 0n, nowMs: 10 })).toThrow('grant amount');
    expect(() => ledger.grant({ grantId: 'g-3', orgId: 'org-a', amount: -1n, nowMs: 10 })).toThrow('grant amount');
    expect(() => ledger.grant({ grantId: 'g-4', orgId: 'org-a', amount: 10n ** 18n + 1n, nowMs: 10 })).toThrow(
      'grant amount',
    );
    expect(ledger.balance('org-a').availableNanos).toBe(5_000n);
    expect(ledger.postings()).toHaveLength(1);
  });

  it('refuses a grant that would take a balance past 9e18 nanos, before anything is written', () => {
    const { ledger } = openTestLedger();
    for (let index = 0; index < 9; index += 1) {
      ledger.grant({ grantId: `big-${index}`, orgId: `org-${index % 3}`, amount: 10n ** 18n, nowMs: 10 });
    }
    expect(() => ledger.grant({ grantId: 'one-more', orgId: 'org-9', amount: 1n, nowMs: 10 })).toThrow(
      'This grant would take platform:grants past the largest balance the ledger holds (9,000,000,000 USD).',
    );
    expect(ledger.balance('org-9').grantedNanos).toBe(0n);
    expect(ledger.verify(10, 0).filter((result) => !result.ok)).toEqual([]);
  });
});
