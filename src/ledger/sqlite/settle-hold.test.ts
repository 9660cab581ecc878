import { describe, expect, it } from 'vitest';
import { createHoldInput as hold, openTestLedger } from './test-support.js';

/** A ledger with 10 000 granted to org-a and an active hold of 1 000 for `req-1`. */
function openWithHold() {
  const opened = openTestLedger();
  opened.ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
  opened.ledger.placeHold(hold('req-1'));
  return opened;
}

const costs = [
  { attemptId: 'att-1', providerId: 'openai', amount: 30n },
  { attemptId: 'att-2', providerId: 'deepseek', amount: 400n },
];

// The settlement cases themselves (charge, release, costs, replay, refusals) are conformance cases on both drivers
// (src/storage/conformance/ledger.conformance.test.ts); these are SQLite's nesting in the caller's transaction.
describe('settle inside a caller transaction', () => {
  it('commits with the outer transaction (as in the generation writer batch)', () => {
    const { database, ledger } = openWithHold();
    const batch = database.transaction(() => {
      database.prepare('CREATE TABLE batch_marker (id INTEGER)').run();
      return ledger.settle({ requestId: 'req-1', chargeNanos: 300n, attemptCosts: costs, nowMs: 1_001_000 });
    });
    expect(batch()).toEqual({ chargedNanos: 300n, isFirstSettlement: true });
    expect(ledger.findHold('req-1')?.status).toBe('posted');
    expect(ledger.balance('org-a')).toMatchObject({ availableNanos: 9_700n, heldNanos: 0n, chargedNanos: 300n });
  });

  it('rolls back with the outer transaction when it throws after the settlement', () => {
    const { database, ledger } = openWithHold();
    const postingsBefore = ledger.postings();
    const batch = database.transaction(() => {
      expect(ledger.settle({ requestId: 'req-1', chargeNanos: 300n, attemptCosts: costs, nowMs: 1_001_000 })).toEqual({
        chargedNanos: 300n,
        isFirstSettlement: true,
      });
      throw new Error('the batch failed');
    });
    expect(() => batch()).toThrow('the batch failed');
    expect(ledger.findHold('req-1')).toMatchObject({ status: 'active', chargedNanos: null, resolvedAtMs: null });
    expect(ledger.postings()).toEqual(postingsBefore);
    expect(ledger.balance('org-a')).toEqual({
      availableNanos: 9_000n,
      heldNanos: 1_000n,
      grantedNanos: 10_000n,
      chargedNanos: 0n,
    });
    expect(ledger.verify(1_001_000, 0).every((result) => result.ok)).toBe(true);
    // The hold can still be settled for real afterwards, exactly once.
    expect(ledger.settle({ requestId: 'req-1', chargeNanos: 300n, attemptCosts: costs, nowMs: 1_002_000 })).toEqual({
      chargedNanos: 300n,
      isFirstSettlement: true,
    });
  });

  it('a failed settlement inside the outer transaction rolls back only itself (savepoint)', () => {
    const { database, ledger } = openWithHold();
    const batch = database.transaction(() => {
      ledger.grant({ grantId: 'g-2', orgId: 'org-a', amount: 5n, nowMs: 1 });
      expect(() => ledger.settle({ requestId: 'req-x', chargeNanos: 1n, attemptCosts: [], nowMs: 1 })).toThrow();
    });
    batch();
    expect(ledger.balance('org-a').grantedNanos).toBe(10_005n);
  });
});
