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

describe('settle', () => {
  it('charges part of the hold, releases the rest and posts each attempt cost from inference_cost', () => {
    const { ledger } = openWithHold();
    expect(ledger.settle({ requestId: 'req-1', chargeNanos: 600n, attemptCosts: costs, nowMs: 1_005_000 })).toEqual({
      chargedNanos: 600n,
      isFirstSettlement: true,
    });
    const settlement = ledger.postings({ requestId: 'req-1' }).slice(1);
    expect(
      settlement.map((posting) => [posting.kind, posting.debitAccount, posting.creditAccount, posting.amount]),
    ).toEqual([
      ['charge', 'org:org-a:held', 'platform:revenue', 600n],
      ['release', 'org:org-a:held', 'org:org-a:available', 400n],
      ['provider_cost', 'platform:inference_cost', 'platform:provider_payable:openai', 30n],
      ['provider_cost', 'platform:inference_cost', 'platform:provider_payable:deepseek', 400n],
    ]);
    expect(
      settlement.map((posting) => [posting.transferId, posting.attemptId, posting.keyId, posting.createdAtMs]),
    ).toEqual([
      ['settle:req-1', null, 'key-a', 1_005_000],
      ['settle:req-1', null, 'key-a', 1_005_000],
      ['settle:req-1', 'att-1', 'key-a', 1_005_000],
      ['settle:req-1', 'att-2', 'key-a', 1_005_000],
    ]);
    expect(ledger.balance('org-a')).toEqual({
      availableNanos: 9_400n,
      heldNanos: 0n,
      grantedNanos: 10_000n,
      chargedNanos: 600n,
    });
    expect(ledger.findHold('req-1')).toMatchObject({ status: 'posted', resolvedAtMs: 1_005_000, chargedNanos: 600n });
  });

  it('charges the full hold with no release; a charge above the hold draws the rest from what is available', () => {
    const { ledger } = openWithHold();
    ledger.placeHold(hold('req-2'));
    expect(ledger.settle({ requestId: 'req-1', chargeNanos: 1_000n, attemptCosts: [], nowMs: 1_001_000 })).toEqual({
      chargedNanos: 1_000n,
      isFirstSettlement: true,
    });
    // 10 000 granted, 1 000 charged, 1 000 held by req-2: 8 000 available covers the 4 000 above req-2's hold.
    expect(ledger.settle({ requestId: 'req-2', chargeNanos: 5_000n, attemptCosts: [], nowMs: 1_001_000 })).toEqual({
      chargedNanos: 5_000n,
      isFirstSettlement: true,
    });
    expect(ledger.postings({ requestId: 'req-2' }).map((posting) => [posting.kind, posting.amount])).toEqual([
      ['hold', 1_000n],
      ['top_up', 4_000n],
      ['charge', 5_000n],
    ]);
    expect(ledger.balance('org-a')).toEqual({
      availableNanos: 4_000n,
      heldNanos: 0n,
      grantedNanos: 10_000n,
      chargedNanos: 6_000n,
    });
    expect(ledger.verify(1_001_000, 0).every((result) => result.ok)).toBe(true);
  });

  it('never draws more than is available: the balance stops at zero', () => {
    const { ledger } = openWithHold();
    expect(ledger.settle({ requestId: 'req-1', chargeNanos: 50_000n, attemptCosts: [], nowMs: 1_001_000 })).toEqual({
      chargedNanos: 10_000n,
      isFirstSettlement: true,
    });
    expect(ledger.balance('org-a')).toMatchObject({ availableNanos: 0n, heldNanos: 0n, chargedNanos: 10_000n });
    expect(ledger.verify(1_001_000, 0).every((result) => result.ok)).toBe(true);
  });

  it('charges nothing for no output: all released, upstream cost booked as insurance expense', () => {
    const { ledger } = openWithHold();
    expect(ledger.settle({ requestId: 'req-1', chargeNanos: 0n, attemptCosts: costs, nowMs: 1_001_000 })).toEqual({
      chargedNanos: 0n,
      isFirstSettlement: true,
    });
    const settlement = ledger.postings({ requestId: 'req-1' }).slice(1);
    expect(settlement.map((posting) => [posting.kind, posting.debitAccount, posting.amount])).toEqual([
      ['release', 'org:org-a:held', 1_000n],
      ['provider_cost', 'platform:insurance_expense', 30n],
      ['provider_cost', 'platform:insurance_expense', 400n],
    ]);
    expect(ledger.balance('org-a')).toMatchObject({ availableNanos: 10_000n, heldNanos: 0n, chargedNanos: 0n });
    expect(ledger.findHold('req-1')).toMatchObject({ status: 'posted', chargedNanos: 0n });
  });

  it('skips zero attempt costs (nothing to post; postings are > 0)', () => {
    const { ledger } = openWithHold();
    ledger.settle({
      requestId: 'req-1',
      chargeNanos: 5n,
      attemptCosts: [{ attemptId: 'att-1', providerId: 'openai', amount: 0n }],
      nowMs: 1_001_000,
    });
    expect(ledger.postings({ requestId: 'req-1' }).map((posting) => posting.kind)).toEqual([
      'hold',
      'charge',
      'release',
    ]);
  });

  it('settles exactly once: a replay returns the first charge and posts nothing', () => {
    const { ledger } = openWithHold();
    ledger.settle({ requestId: 'req-1', chargeNanos: 250n, attemptCosts: costs, nowMs: 1_001_000 });
    const before = ledger.postings();
    expect(ledger.settle({ requestId: 'req-1', chargeNanos: 900n, attemptCosts: costs, nowMs: 1_002_000 })).toEqual({
      chargedNanos: 250n,
      isFirstSettlement: false,
    });
    expect(ledger.postings()).toEqual(before);
    expect(ledger.balance('org-a')).toMatchObject({ availableNanos: 9_750n, chargedNanos: 250n });
  });

  it('after the reconciler expired the hold: charges 0 but still books attempt costs not yet posted, once', () => {
    const { ledger } = openWithHold();
    expect(ledger.reconcile(1_060_000 + 5_000, 5_000)).toBe(1);
    expect(ledger.settle({ requestId: 'req-1', chargeNanos: 700n, attemptCosts: costs, nowMs: 1_070_000 })).toEqual({
      chargedNanos: 0n,
      isFirstSettlement: false,
    });
    expect(ledger.settle({ requestId: 'req-1', chargeNanos: 700n, attemptCosts: costs, nowMs: 1_080_000 })).toEqual({
      chargedNanos: 0n,
      isFirstSettlement: false,
    });
    expect(
      ledger
        .postings({ requestId: 'req-1' })
        .map((posting) => [posting.kind, posting.transferId, posting.debitAccount, posting.amount]),
    ).toEqual([
      ['hold', 'hold:req-1', 'org:org-a:available', 1_000n],
      ['expire', 'expire:req-1', 'org:org-a:held', 1_000n],
      ['provider_cost', 'late-cost:req-1', 'platform:insurance_expense', 30n],
      ['provider_cost', 'late-cost:req-1', 'platform:insurance_expense', 400n],
    ]);
    expect(ledger.balance('org-a')).toMatchObject({ availableNanos: 10_000n, heldNanos: 0n, chargedNanos: 0n });
  });

  it('refuses a request without a hold, negative or huge amounts and an attempt listed twice, writing nothing', () => {
    const { ledger } = openWithHold();
    expect(() => ledger.settle({ requestId: 'req-x', chargeNanos: 1n, attemptCosts: [], nowMs: 1 })).toThrow(
      'No ledger hold for request req-x',
    );
    expect(() => ledger.settle({ requestId: 'req-1', chargeNanos: -1n, attemptCosts: [], nowMs: 1 })).toThrow(
      'chargeNanos',
    );
    expect(() =>
      ledger.settle({
        requestId: 'req-1',
        chargeNanos: 1n,
        attemptCosts: [{ attemptId: 'att-1', providerId: 'openai', amount: -5n }],
        nowMs: 1,
      }),
    ).toThrow('cost of attempt att-1');
    expect(() =>
      ledger.settle({
        requestId: 'req-1',
        chargeNanos: 1n,
        attemptCosts: [{ attemptId: 'att-1', providerId: 'openai', amount: 10n ** 18n + 1n }],
        nowMs: 1,
      }),
    ).toThrow('cost of attempt att-1');
    expect(() =>
      ledger.settle({ requestId: 'req-1', chargeNanos: 1n, attemptCosts: [costs[0]!, costs[0]!], nowMs: 1 }),
    ).toThrow('listed twice');
    expect(ledger.findHold('req-1')?.status).toBe('active');
    expect(ledger.postings({ requestId: 'req-1' })).toHaveLength(1);
  });
});

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
