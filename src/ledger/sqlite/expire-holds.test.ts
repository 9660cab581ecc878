import { describe, expect, it } from 'vitest';
import { createHoldInput as hold, openTestLedger } from './test-support.js';

describe('reconcile', () => {
  it('expires an active hold exactly at expiresAtMs + graceMs, not a millisecond before, charging 0', () => {
    const { ledger } = openTestLedger();
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    ledger.placeHold(hold('req-1', { nowMs: 1_000, ttlMs: 60_000 })); // expires at 61 000
    ledger.placeHold(hold('req-2', { nowMs: 2_000, ttlMs: 60_000, amountMax: 300n })); // expires at 62 000
    expect(ledger.reconcile(61_000 + 4_999, 5_000)).toBe(0);
    expect(ledger.reconcile(61_000 + 5_000, 5_000)).toBe(1);
    expect(ledger.findHold('req-1')).toMatchObject({ status: 'expired', resolvedAtMs: 66_000, chargedNanos: 0n });
    expect(ledger.activeHolds().map((active) => active.requestId)).toEqual(['req-2']);
    expect(ledger.postings({ requestId: 'req-1' })[1]).toEqual({
      id: 4,
      transferId: 'expire:req-1',
      debitAccount: 'org:org-a:held',
      creditAccount: 'org:org-a:available',
      amount: 1_000n,
      kind: 'expire',
      requestId: 'req-1',
      attemptId: null,
      keyId: 'key-a',
      createdAtMs: 66_000,
    });
    expect(ledger.balance('org-a')).toEqual({
      availableNanos: 9_700n,
      heldNanos: 300n,
      grantedNanos: 10_000n,
      chargedNanos: 0n,
    });
    expect(ledger.reconcile(66_000, 5_000)).toBe(0);
    expect(ledger.reconcile(1_000_000, 0)).toBe(1);
    expect(ledger.activeHolds()).toEqual([]);
    expect(ledger.balance('org-a').availableNanos).toBe(10_000n);
  });

  it('leaves settled holds alone and returns 0 on an empty ledger', () => {
    const { ledger } = openTestLedger();
    expect(ledger.reconcile(10 ** 12, 0)).toBe(0);
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    ledger.placeHold(hold('req-1'));
    ledger.settle({ requestId: 'req-1', chargeNanos: 10n, attemptCosts: [], nowMs: 1_000_001 });
    expect(ledger.reconcile(10 ** 12, 0)).toBe(0);
    expect(ledger.findHold('req-1')).toMatchObject({ status: 'posted', chargedNanos: 10n });
  });

  it('refuses a negative grace', () => {
    const { ledger } = openTestLedger();
    expect(() => ledger.reconcile(0, -1)).toThrow('bad reconcile times');
  });
});
