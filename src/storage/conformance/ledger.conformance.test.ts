import { expect, it } from 'vitest';
import { LedgerRefusal } from '../../ledger/ledger-refusal.js';
import { describeEachDriver } from './driver-test-support.js';
import type { LedgerCases } from './ledger-test-support.js';
import { createHoldInput as hold, ledgerCaseOpeners, openLedgerCase } from './ledger-test-support.js';

/**
 * The ledger port, the same cases on SQLite and PostgreSQL (ported from src/ledger/sqlite/*.test.ts): grants, holds,
 * settlements, the reconciler, key spend and the reads, with exact postings and balances.
 */

const dayMs = 86_400_000;
const costs = [
  { attemptId: 'att-1', providerId: 'openai', amount: 30n },
  { attemptId: 'att-2', providerId: 'deepseek', amount: 400n },
];

/** A store with 10 000 granted to org-a and an active hold of 1 000 for `req-1`. */
async function openWithHold(cases: LedgerCases) {
  const store = await openLedgerCase(cases);
  await store.ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
  await store.ledger.placeHold(hold('req-1'));
  return store;
}

describeEachDriver('ledger: grant', ledgerCaseOpeners, (context) => {
  it('credits the org once per grant id and posts platform:grants → org available', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    expect(await ledger.grant({ grantId: 'g-1', orgId: 'org-a', amount: 5_000n, nowMs: 10 })).toBe(true);
    expect(await ledger.grant({ grantId: 'g-1', orgId: 'org-a', amount: 5_000n, nowMs: 20 })).toBe(false);
    expect(await ledger.grant({ grantId: 'g-2', orgId: 'org-a', amount: 2n ** 59n, nowMs: 30 })).toBe(true);
    expect(await ledger.balance('org-a')).toEqual({
      availableNanos: 5_000n + 2n ** 59n,
      heldNanos: 0n,
      grantedNanos: 5_000n + 2n ** 59n,
      chargedNanos: 0n,
    });
    expect(await ledger.postings({ account: 'org:org-a:available' })).toEqual([
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

  it('returns zero balances for an org it has never seen', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    expect(await ledger.balance('nobody')).toEqual({
      availableNanos: 0n,
      heldNanos: 0n,
      grantedNanos: 0n,
      chargedNanos: 0n,
    });
  });

  it('refuses a grant id reused for another org or amount, and zero, negative or huge amounts', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g-1', orgId: 'org-a', amount: 5_000n, nowMs: 10 });
    await expect(ledger.grant({ grantId: 'g-1', orgId: 'org-b', amount: 5_000n, nowMs: 10 })).rejects.toThrow(
      "grant_id 'g-1' was already used for another org or amount.",
    );
    await expect(ledger.grant({ grantId: 'g-1', orgId: 'org-a', amount: 5_001n, nowMs: 10 })).rejects.toThrow(
      LedgerRefusal,
    );
    await expect(ledger.grant({ grantId: 'g-2', orgId: 'org-a', amount: 0n, nowMs: 10 })).rejects.toThrow(
      'grant amount',
    );
    await expect(ledger.grant({ grantId: 'g-3', orgId: 'org-a', amount: -1n, nowMs: 10 })).rejects.toThrow(
      'grant amount',
    );
    await expect(ledger.grant({ grantId: 'g-4', orgId: 'org-a', amount: 10n ** 18n + 1n, nowMs: 10 })).rejects.toThrow(
      'grant amount',
    );
    expect((await ledger.balance('org-a')).availableNanos).toBe(5_000n);
    expect(await ledger.postings()).toHaveLength(1);
  });

  it('refuses a grant that would take a balance past 9e18 nanos, before anything is written', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    for (let index = 0; index < 9; index += 1) {
      await ledger.grant({ grantId: `big-${index}`, orgId: `org-${index % 3}`, amount: 10n ** 18n, nowMs: 10 });
    }
    const refusal = ledger.grant({ grantId: 'one-more', orgId: 'org-9', amount: 1n, nowMs: 10 });
    await expect(refusal).rejects.toThrow(
      'This grant would take platform:grants past the largest balance the ledger holds (9,000,000,000 USD).',
    );
    await expect(refusal).rejects.toMatchObject({ reason: 'balance_limit' });
    expect((await ledger.balance('org-9')).grantedNanos).toBe(0n);
    expect((await ledger.verify(10, 0)).filter((result) => !result.ok)).toEqual([]);
  });
});

describeEachDriver('ledger: placeHold', ledgerCaseOpeners, (context) => {
  it('holds amountMax when affordable and posts org available → org held', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    expect(await ledger.placeHold(hold('req-1', { amountMax: 1_000n, amountMin: 100n }))).toEqual({
      ok: true,
      amount: 1_000n,
    });
    expect(await ledger.balance('org-a')).toEqual({
      availableNanos: 9_000n,
      heldNanos: 1_000n,
      grantedNanos: 10_000n,
      chargedNanos: 0n,
    });
    expect(await ledger.findHold('req-1')).toEqual({
      requestId: 'req-1',
      orgId: 'org-a',
      keyId: 'key-a',
      amount: 1_000n,
      status: 'active',
      createdAtMs: 1_000_000,
      expiresAtMs: 1_060_000,
      resolvedAtMs: null,
      chargedNanos: null,
    });
    expect(await ledger.postings({ requestId: 'req-1' })).toEqual([
      {
        id: 2,
        transferId: 'hold:req-1',
        debitAccount: 'org:org-a:available',
        creditAccount: 'org:org-a:held',
        amount: 1_000n,
        kind: 'hold',
        requestId: 'req-1',
        attemptId: null,
        keyId: 'key-a',
        createdAtMs: 1_000_000,
      },
    ]);
  });

  it('lowers the hold to what the org has left, down to amountMin', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1_250n, nowMs: 0 });
    expect(await ledger.placeHold(hold('req-1', { amountMax: 1_000n }))).toEqual({ ok: true, amount: 1_000n });
    expect(await ledger.placeHold(hold('req-2', { amountMax: 1_000n, amountMin: 250n }))).toEqual({
      ok: true,
      amount: 250n,
    });
    expect((await ledger.balance('org-a')).availableNanos).toBe(0n);
    expect(await ledger.placeHold(hold('req-3', { amountMin: 0n }))).toEqual({
      ok: false,
      reason: 'insufficient_credits',
      affordableNanos: 0n,
    });
  });

  it('rejects with insufficient_credits and what the org could cover when it cannot pay amountMin; writes nothing', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 99n, nowMs: 0 });
    expect(await ledger.placeHold(hold('req-1', { amountMin: 100n }))).toEqual({
      ok: false,
      reason: 'insufficient_credits',
      affordableNanos: 99n,
    });
    expect(await ledger.findHold('req-1')).toBeUndefined();
    expect(await ledger.postings()).toHaveLength(1);
    expect(await ledger.placeHold(hold('req-1', { amountMin: 99n }))).toEqual({ ok: true, amount: 99n });
    expect((await ledger.postings()).map((posting) => posting.id)).toEqual([1, 2]);
  });

  it('treats amountMin 0 as "at least 1 nano"', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    expect(await ledger.placeHold(hold('req-1', { amountMin: 0n }))).toEqual({
      ok: false,
      reason: 'insufficient_credits',
      affordableNanos: 0n,
    });
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1n, nowMs: 0 });
    expect(await ledger.placeHold(hold('req-1', { amountMin: 0n }))).toEqual({ ok: true, amount: 1n });
  });

  it('admits a free request (amountMax 0) with no credit: a hold of 0, no posting, settled or expired exactly once', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    const free = { amountMax: 0n, amountMin: 0n, keyLimit: { limitNanos: 0n, windowStartMs: 0 } };
    expect(await ledger.placeHold(hold('req-free', free))).toEqual({ ok: true, amount: 0n });
    expect(await ledger.placeHold(hold('req-lost', free))).toEqual({ ok: true, amount: 0n });
    expect(await ledger.findHold('req-free')).toMatchObject({ amount: 0n, status: 'active' });
    expect(await ledger.postings()).toEqual([]);
    const attemptCosts = [{ attemptId: 'att-1', providerId: 'local', amount: 3n }];
    expect(await ledger.settle({ requestId: 'req-free', chargeNanos: 50n, attemptCosts, nowMs: 1_000_500 })).toEqual({
      chargedNanos: 0n,
      isFirstSettlement: true,
    });
    expect((await ledger.postings()).map((posting) => [posting.kind, posting.debitAccount, posting.amount])).toEqual([
      ['provider_cost', 'platform:insurance_expense', 3n],
    ]);
    expect(await ledger.reconcile(1_060_000, 0)).toBe(1);
    expect(await ledger.findHold('req-lost')).toMatchObject({ status: 'expired', chargedNanos: 0n });
    expect(await ledger.postings()).toHaveLength(1);
    expect((await ledger.verify(1_060_000, 0)).filter((result) => !result.ok)).toEqual([]);
  });

  it('caps the hold at the key limit left in its window (charges + active holds) and rejects with key_limit_reached', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1_000_000n, nowMs: 0 });
    const keyLimit = { limitNanos: 1_500n, windowStartMs: 0 };
    expect(await ledger.placeHold(hold('req-1', { keyLimit }))).toEqual({ ok: true, amount: 1_000n });
    expect(await ledger.settle({ requestId: 'req-1', chargeNanos: 700n, attemptCosts: [], nowMs: 1_000_001 })).toEqual({
      chargedNanos: 700n,
      isFirstSettlement: true,
    });
    expect(await ledger.placeHold(hold('req-2', { keyLimit, amountMin: 10n }))).toEqual({ ok: true, amount: 800n });
    expect(await ledger.placeHold(hold('req-3', { keyLimit, amountMin: 0n }))).toEqual({
      ok: false,
      reason: 'key_limit_reached',
      affordableNanos: 0n,
    });
    // Another key of the same org is not limited by key-a's spend.
    expect(await ledger.placeHold(hold('req-4', { keyId: 'key-b', keyLimit }))).toEqual({ ok: true, amount: 1_000n });
    // A new window (the next UTC day) starts from zero spend, but key-a's active hold still counts.
    const nextWindow = { limitNanos: 1_500n, windowStartMs: dayMs };
    expect(await ledger.placeHold(hold('req-5', { keyLimit: nextWindow }))).toEqual({ ok: true, amount: 700n });
  });

  it('counts a window that starts mid-day from the charges after its start, to the millisecond', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1_000_000n, nowMs: 0 });
    const day10 = 10 * dayMs;
    await ledger.placeHold(hold('req-1', { nowMs: day10 + 1_000 }));
    await ledger.settle({ requestId: 'req-1', chargeNanos: 300n, attemptCosts: [], nowMs: day10 + 1_000 });
    await ledger.placeHold(hold('req-2', { nowMs: day10 + 2_000 }));
    await ledger.settle({ requestId: 'req-2', chargeNanos: 200n, attemptCosts: [], nowMs: day10 + dayMs + 5 });
    const limitFrom = (windowStartMs: number) => ({ keyLimit: { limitNanos: 1_000n, windowStartMs }, amountMin: 1n });
    expect(await ledger.placeHold(hold('req-3', limitFrom(day10 + 1_000)))).toEqual({ ok: true, amount: 500n });
    expect(await ledger.reconcile(10 ** 12, 0)).toBe(1);
    expect(await ledger.placeHold(hold('req-4', limitFrom(day10 + 1_001)))).toEqual({ ok: true, amount: 800n });
  });

  it('reports what the key limit could still cover when it is the binding constraint', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1_000n, nowMs: 0 });
    expect(await ledger.placeHold(hold('req-1', { keyLimit: { limitNanos: 50n, windowStartMs: 0 } }))).toEqual({
      ok: false,
      reason: 'key_limit_reached',
      affordableNanos: 50n,
    });
    expect(await ledger.placeHold(hold('req-2', { keyLimit: { limitNanos: 0n, windowStartMs: 0 } }))).toEqual({
      ok: false,
      reason: 'key_limit_reached',
      affordableNanos: 0n,
    });
  });

  it('is idempotent by request id: the same hold comes back and nothing is posted again', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    expect(await ledger.placeHold(hold('req-1', { amountMax: 600n }))).toEqual({ ok: true, amount: 600n });
    expect(await ledger.placeHold(hold('req-1', { amountMax: 900n }))).toEqual({ ok: true, amount: 600n });
    expect(await ledger.postings({ requestId: 'req-1' })).toHaveLength(1);
    expect((await ledger.balance('org-a')).heldNanos).toBe(600n);
    await expect(ledger.placeHold(hold('req-1', { orgId: 'org-b' }))).rejects.toThrow('another org or key');
    // A key limit out of range is only a bug for a request that holds nothing yet.
    const badLimit = { keyLimit: { limitNanos: -1n, windowStartMs: 0 } };
    expect(await ledger.placeHold(hold('req-1', badLimit))).toEqual({ ok: true, amount: 600n });
  });

  it('refuses negative, inverted or huge amounts and bad times without writing', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    await expect(ledger.placeHold(hold('r', { amountMax: -1n, amountMin: -1n }))).rejects.toThrow('amountMax');
    await expect(ledger.placeHold(hold('r', { amountMin: -1n }))).rejects.toThrow('amountMin');
    await expect(ledger.placeHold(hold('r', { amountMax: 10n, amountMin: 11n }))).rejects.toThrow('exceeds amountMax');
    await expect(ledger.placeHold(hold('r', { amountMax: 10n ** 18n + 1n }))).rejects.toThrow('amountMax');
    await expect(ledger.placeHold(hold('r', { keyLimit: { limitNanos: -1n, windowStartMs: 0 } }))).rejects.toThrow(
      'limitNanos',
    );
    await expect(ledger.placeHold(hold('r', { ttlMs: -1 }))).rejects.toThrow('bad times');
    expect(await ledger.activeHolds()).toEqual([]);
  });

  it('two nodes see each other: together they never hold more than the balance', async () => {
    const store = await openLedgerCase(context.ports);
    const first = store.ledger;
    const second = store.openPeer().ledger;
    await first.grant({ grantId: 'g', orgId: 'org-a', amount: 1_500n, nowMs: 0 });
    expect(await first.placeHold(hold('req-1'))).toEqual({ ok: true, amount: 1_000n });
    expect(await second.placeHold(hold('req-2'))).toEqual({ ok: true, amount: 500n });
    expect(await first.placeHold(hold('req-3'))).toEqual({
      ok: false,
      reason: 'insufficient_credits',
      affordableNanos: 0n,
    });
    expect(await second.placeHold(hold('req-1'))).toEqual({ ok: true, amount: 1_000n });
    expect(await second.balance('org-a')).toEqual({
      availableNanos: 0n,
      heldNanos: 1_500n,
      grantedNanos: 1_500n,
      chargedNanos: 0n,
    });
  });

  it('has nothing pending: flushPending resolves and withPendingWritten runs its work', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 1_500n, nowMs: 0 });
    await ledger.placeHold(hold('req-1'));
    await ledger.flushPending();
    expect(await ledger.withPendingWritten(() => 'done')).toBe('done');
    expect(await ledger.findHold('req-1')).toMatchObject({ status: 'active', amount: 1_000n });
  });
});

describeEachDriver('ledger: settle', ledgerCaseOpeners, (context) => {
  it('charges part of the hold, releases the rest and posts each attempt cost from inference_cost', async () => {
    const { ledger } = await openWithHold(context.ports);
    expect(
      await ledger.settle({ requestId: 'req-1', chargeNanos: 600n, attemptCosts: costs, nowMs: 1_005_000 }),
    ).toEqual({ chargedNanos: 600n, isFirstSettlement: true });
    const settlement = (await ledger.postings({ requestId: 'req-1' })).slice(1);
    expect(
      settlement.map((posting) => [
        posting.id,
        posting.kind,
        posting.debitAccount,
        posting.creditAccount,
        posting.amount,
      ]),
    ).toEqual([
      [3, 'charge', 'org:org-a:held', 'platform:revenue', 600n],
      [4, 'release', 'org:org-a:held', 'org:org-a:available', 400n],
      [5, 'provider_cost', 'platform:inference_cost', 'platform:provider_payable:openai', 30n],
      [6, 'provider_cost', 'platform:inference_cost', 'platform:provider_payable:deepseek', 400n],
    ]);
    expect(
      settlement.map((posting) => [posting.transferId, posting.attemptId, posting.keyId, posting.createdAtMs]),
    ).toEqual([
      ['settle:req-1', null, 'key-a', 1_005_000],
      ['settle:req-1', null, 'key-a', 1_005_000],
      ['settle:req-1', 'att-1', 'key-a', 1_005_000],
      ['settle:req-1', 'att-2', 'key-a', 1_005_000],
    ]);
    expect(await ledger.balance('org-a')).toEqual({
      availableNanos: 9_400n,
      heldNanos: 0n,
      grantedNanos: 10_000n,
      chargedNanos: 600n,
    });
    expect(await ledger.findHold('req-1')).toMatchObject({
      status: 'posted',
      resolvedAtMs: 1_005_000,
      chargedNanos: 600n,
    });
  });

  it('charges the full hold with no release; a charge above the hold draws the rest from what is available', async () => {
    const { ledger } = await openWithHold(context.ports);
    await ledger.placeHold(hold('req-2'));
    expect(
      await ledger.settle({ requestId: 'req-1', chargeNanos: 1_000n, attemptCosts: [], nowMs: 1_001_000 }),
    ).toEqual({ chargedNanos: 1_000n, isFirstSettlement: true });
    // 10 000 granted, 1 000 charged, 1 000 held by req-2: 8 000 available covers the 4 000 above req-2's hold.
    expect(
      await ledger.settle({ requestId: 'req-2', chargeNanos: 5_000n, attemptCosts: [], nowMs: 1_001_000 }),
    ).toEqual({ chargedNanos: 5_000n, isFirstSettlement: true });
    expect((await ledger.postings({ requestId: 'req-2' })).map((posting) => [posting.kind, posting.amount])).toEqual([
      ['hold', 1_000n],
      ['top_up', 4_000n],
      ['charge', 5_000n],
    ]);
    expect(await ledger.balance('org-a')).toEqual({
      availableNanos: 4_000n,
      heldNanos: 0n,
      grantedNanos: 10_000n,
      chargedNanos: 6_000n,
    });
    expect(await ledger.keySpend('key-a', 0)).toEqual({ spentNanos: 6_000n, heldNanos: 0n });
    expect((await ledger.verify(1_001_000, 0)).every((result) => result.ok)).toBe(true);
  });

  it('never draws more than is available: the balance stops at zero', async () => {
    const { ledger } = await openWithHold(context.ports);
    expect(
      await ledger.settle({ requestId: 'req-1', chargeNanos: 50_000n, attemptCosts: [], nowMs: 1_001_000 }),
    ).toEqual({ chargedNanos: 10_000n, isFirstSettlement: true });
    expect(await ledger.balance('org-a')).toMatchObject({ availableNanos: 0n, heldNanos: 0n, chargedNanos: 10_000n });
    expect((await ledger.verify(1_001_000, 0)).every((result) => result.ok)).toBe(true);
  });

  it('charges nothing for no output: all released, upstream cost booked as insurance expense', async () => {
    const { ledger } = await openWithHold(context.ports);
    expect(await ledger.settle({ requestId: 'req-1', chargeNanos: 0n, attemptCosts: costs, nowMs: 1_001_000 })).toEqual(
      {
        chargedNanos: 0n,
        isFirstSettlement: true,
      },
    );
    const settlement = (await ledger.postings({ requestId: 'req-1' })).slice(1);
    expect(settlement.map((posting) => [posting.kind, posting.debitAccount, posting.amount])).toEqual([
      ['release', 'org:org-a:held', 1_000n],
      ['provider_cost', 'platform:insurance_expense', 30n],
      ['provider_cost', 'platform:insurance_expense', 400n],
    ]);
    expect(await ledger.balance('org-a')).toMatchObject({ availableNanos: 10_000n, heldNanos: 0n, chargedNanos: 0n });
    expect(await ledger.findHold('req-1')).toMatchObject({ status: 'posted', chargedNanos: 0n });
  });

  it('skips zero attempt costs (nothing to post; postings are > 0)', async () => {
    const { ledger } = await openWithHold(context.ports);
    await ledger.settle({
      requestId: 'req-1',
      chargeNanos: 5n,
      attemptCosts: [{ attemptId: 'att-1', providerId: 'openai', amount: 0n }],
      nowMs: 1_001_000,
    });
    expect((await ledger.postings({ requestId: 'req-1' })).map((posting) => posting.kind)).toEqual([
      'hold',
      'charge',
      'release',
    ]);
  });

  it('settles exactly once: a replay returns the first charge and posts nothing', async () => {
    const { ledger } = await openWithHold(context.ports);
    await ledger.settle({ requestId: 'req-1', chargeNanos: 250n, attemptCosts: costs, nowMs: 1_001_000 });
    const before = await ledger.postings();
    expect(
      await ledger.settle({ requestId: 'req-1', chargeNanos: 900n, attemptCosts: costs, nowMs: 1_002_000 }),
    ).toEqual({ chargedNanos: 250n, isFirstSettlement: false });
    expect(await ledger.postings()).toEqual(before);
    expect(await ledger.balance('org-a')).toMatchObject({ availableNanos: 9_750n, chargedNanos: 250n });
  });

  it('after the reconciler expired the hold: charges 0 but still books attempt costs not yet posted, once', async () => {
    const { ledger } = await openWithHold(context.ports);
    expect(await ledger.reconcile(1_060_000 + 5_000, 5_000)).toBe(1);
    expect(
      await ledger.settle({ requestId: 'req-1', chargeNanos: 700n, attemptCosts: costs, nowMs: 1_070_000 }),
    ).toEqual({ chargedNanos: 0n, isFirstSettlement: false });
    expect(
      await ledger.settle({ requestId: 'req-1', chargeNanos: 700n, attemptCosts: costs, nowMs: 1_080_000 }),
    ).toEqual({ chargedNanos: 0n, isFirstSettlement: false });
    expect(
      (await ledger.postings({ requestId: 'req-1' })).map((posting) => [
        posting.id,
        posting.kind,
        posting.transferId,
        posting.debitAccount,
        posting.amount,
      ]),
    ).toEqual([
      [2, 'hold', 'hold:req-1', 'org:org-a:available', 1_000n],
      [3, 'expire', 'expire:req-1', 'org:org-a:held', 1_000n],
      [4, 'provider_cost', 'late-cost:req-1', 'platform:insurance_expense', 30n],
      [5, 'provider_cost', 'late-cost:req-1', 'platform:insurance_expense', 400n],
    ]);
    expect(await ledger.balance('org-a')).toMatchObject({ availableNanos: 10_000n, heldNanos: 0n, chargedNanos: 0n });
    expect((await ledger.verify(1_080_000, 0)).every((result) => result.ok)).toBe(true);
  });

  it('refuses a request without a hold, negative or huge amounts and an attempt listed twice, writing nothing', async () => {
    const { ledger } = await openWithHold(context.ports);
    await expect(ledger.settle({ requestId: 'req-x', chargeNanos: 1n, attemptCosts: [], nowMs: 1 })).rejects.toThrow(
      'No ledger hold for request req-x',
    );
    await expect(ledger.settle({ requestId: 'req-1', chargeNanos: -1n, attemptCosts: [], nowMs: 1 })).rejects.toThrow(
      'chargeNanos',
    );
    await expect(
      ledger.settle({
        requestId: 'req-1',
        chargeNanos: 1n,
        attemptCosts: [{ attemptId: 'att-1', providerId: 'openai', amount: -5n }],
        nowMs: 1,
      }),
    ).rejects.toThrow('cost of attempt att-1');
    await expect(
      ledger.settle({
        requestId: 'req-1',
        chargeNanos: 1n,
        attemptCosts: [{ attemptId: 'att-1', providerId: 'openai', amount: 10n ** 18n + 1n }],
        nowMs: 1,
      }),
    ).rejects.toThrow('cost of attempt att-1');
    await expect(
      ledger.settle({ requestId: 'req-1', chargeNanos: 1n, attemptCosts: [costs[0]!, costs[0]!], nowMs: 1 }),
    ).rejects.toThrow('listed twice');
    expect((await ledger.findHold('req-1'))?.status).toBe('active');
    expect(await ledger.postings({ requestId: 'req-1' })).toHaveLength(1);
  });
});

describeEachDriver('ledger: settle inside a caller transaction', ledgerCaseOpeners, (context) => {
  it('commits with the outer transaction (as in the generation writer batch)', async () => {
    const store = await openWithHold(context.ports);
    await store.ledger.placeHold(hold('req-2'));
    const settlements = [
      { requestId: 'req-1', chargeNanos: 300n, attemptCosts: costs, nowMs: 1_001_000 },
      { requestId: 'req-2', chargeNanos: 0n, attemptCosts: [], nowMs: 1_001_000 },
      { requestId: 'req-1', chargeNanos: 999n, attemptCosts: costs, nowMs: 1_001_000 },
    ];
    expect(await store.settleInTransaction(settlements, { shouldFail: false })).toEqual([
      { chargedNanos: 300n, isFirstSettlement: true },
      { chargedNanos: 0n, isFirstSettlement: true },
      { chargedNanos: 300n, isFirstSettlement: false },
    ]);
    expect(await store.ledger.findHold('req-1')).toMatchObject({ status: 'posted', chargedNanos: 300n });
    expect(await store.ledger.balance('org-a')).toEqual({
      availableNanos: 9_700n,
      heldNanos: 0n,
      grantedNanos: 10_000n,
      chargedNanos: 300n,
    });
  });

  it('rolls back with the outer transaction when it throws after the settlement', async () => {
    const store = await openWithHold(context.ports);
    const { ledger } = store;
    const postingsBefore = await ledger.postings();
    const settlement = { requestId: 'req-1', chargeNanos: 300n, attemptCosts: costs, nowMs: 1_001_000 };
    await expect(store.settleInTransaction([settlement], { shouldFail: true })).rejects.toThrow('the batch failed');
    expect(await ledger.findHold('req-1')).toMatchObject({ status: 'active', chargedNanos: null, resolvedAtMs: null });
    expect(await ledger.postings()).toEqual(postingsBefore);
    expect(await ledger.balance('org-a')).toEqual({
      availableNanos: 9_000n,
      heldNanos: 1_000n,
      grantedNanos: 10_000n,
      chargedNanos: 0n,
    });
    expect(await ledger.keySpend('key-a', 0)).toEqual({ spentNanos: 0n, heldNanos: 1_000n });
    expect((await ledger.verify(1_001_000, 0)).every((result) => result.ok)).toBe(true);
    // The hold can still be settled for real afterwards, exactly once.
    expect(await ledger.settle({ ...settlement, nowMs: 1_002_000 })).toEqual({
      chargedNanos: 300n,
      isFirstSettlement: true,
    });
  });
});

describeEachDriver('ledger: reconcile', ledgerCaseOpeners, (context) => {
  it('expires an active hold exactly at expiresAtMs + graceMs, not a millisecond before, charging 0', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    await ledger.placeHold(hold('req-1', { nowMs: 1_000, ttlMs: 60_000 })); // expires at 61 000
    await ledger.placeHold(hold('req-2', { nowMs: 2_000, ttlMs: 60_000, amountMax: 300n })); // expires at 62 000
    expect(await ledger.reconcile(61_000 + 4_999, 5_000)).toBe(0);
    expect(await ledger.reconcile(61_000 + 5_000, 5_000)).toBe(1);
    expect(await ledger.findHold('req-1')).toMatchObject({ status: 'expired', resolvedAtMs: 66_000, chargedNanos: 0n });
    expect((await ledger.activeHolds()).map((active) => active.requestId)).toEqual(['req-2']);
    expect((await ledger.postings({ requestId: 'req-1' }))[1]).toEqual({
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
    expect(await ledger.balance('org-a')).toEqual({
      availableNanos: 9_700n,
      heldNanos: 300n,
      grantedNanos: 10_000n,
      chargedNanos: 0n,
    });
    expect(await ledger.keySpend('key-a', 0)).toEqual({ spentNanos: 0n, heldNanos: 300n });
    expect(await ledger.reconcile(66_000, 5_000)).toBe(0);
    expect(await ledger.reconcile(1_000_000, 0)).toBe(1);
    expect(await ledger.activeHolds()).toEqual([]);
    expect((await ledger.balance('org-a')).availableNanos).toBe(10_000n);
    expect((await ledger.verify(1_000_000, 0)).every((result) => result.ok)).toBe(true);
  });

  it('expires several due holds of several orgs in one sweep, in expiry order', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g-a', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    await ledger.grant({ grantId: 'g-b', orgId: 'org-b', amount: 10_000n, nowMs: 0 });
    await ledger.placeHold(hold('req-b2', { orgId: 'org-b', keyId: 'key-b', nowMs: 3_000 }));
    await ledger.placeHold(hold('req-a1', { nowMs: 1_000, amountMax: 200n }));
    await ledger.placeHold(hold('req-a0', { nowMs: 1_000, amountMax: 0n, amountMin: 0n }));
    await ledger.placeHold(hold('req-b1', { orgId: 'org-b', keyId: 'key-b', nowMs: 2_000, amountMax: 700n }));
    expect(await ledger.reconcile(70_000, 0)).toBe(4);
    expect(
      (await ledger.postings()).filter((posting) => posting.kind === 'expire').map((posting) => posting.requestId),
    ).toEqual(['req-a1', 'req-b1', 'req-b2']);
    expect(await ledger.balance('org-b')).toMatchObject({ availableNanos: 10_000n, heldNanos: 0n });
    expect(await ledger.findHold('req-a0')).toMatchObject({ status: 'expired', chargedNanos: 0n });
    expect((await ledger.verify(70_000, 0)).every((result) => result.ok)).toBe(true);
  });

  it('leaves settled holds alone and returns 0 on an empty ledger', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    expect(await ledger.reconcile(10 ** 12, 0)).toBe(0);
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    await ledger.placeHold(hold('req-1'));
    await ledger.settle({ requestId: 'req-1', chargeNanos: 10n, attemptCosts: [], nowMs: 1_000_001 });
    expect(await ledger.reconcile(10 ** 12, 0)).toBe(0);
    expect(await ledger.findHold('req-1')).toMatchObject({ status: 'posted', chargedNanos: 10n });
  });

  it('refuses a negative grace', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await expect(ledger.reconcile(0, -1)).rejects.toThrow('bad reconcile times');
  });
});

describeEachDriver('ledger: renew', ledgerCaseOpeners, (context) => {
  it('moves an active hold’s expiry later, so the reconciler leaves it while its call runs; a settled one stays as it was', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    await ledger.placeHold(hold('req-1', { nowMs: 1_000, ttlMs: 60_000 })); // expires at 61 000
    await ledger.placeHold(hold('req-2', { nowMs: 1_000, ttlMs: 60_000, amountMax: 300n }));
    await ledger.settle({ requestId: 'req-2', chargeNanos: 100n, attemptCosts: [], nowMs: 2_000 });
    expect(await ledger.renew(['req-1', 'req-2', 'req-unknown'], 121_000)).toBe(1);
    expect(await ledger.findHold('req-1')).toMatchObject({ status: 'active', expiresAtMs: 121_000 });
    expect(await ledger.findHold('req-2')).toMatchObject({ status: 'posted', expiresAtMs: 61_000 });
    // Never earlier: a late renewal with an older expiry changes nothing.
    expect(await ledger.renew(['req-1'], 100_000)).toBe(0);
    expect(await ledger.reconcile(61_000, 0)).toBe(0);
    // Settled after its first TTL: charged in full, as a call that kept its hold.
    await ledger.settle({ requestId: 'req-1', chargeNanos: 900n, attemptCosts: [], nowMs: 90_000 });
    expect(await ledger.findHold('req-1')).toMatchObject({
      status: 'posted',
      chargedNanos: 900n,
      expiresAtMs: 121_000,
    });
    expect(await ledger.balance('org-a')).toMatchObject({ chargedNanos: 1_000n, heldNanos: 0n });
    expect((await ledger.verify(200_000, 0)).every((result) => result.ok)).toBe(true);
  });

  it('a hold no longer renewed (its node died) expires by the reconciler’s rule at its last expiry + grace', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    await ledger.placeHold(hold('req-1', { nowMs: 1_000, ttlMs: 60_000 }));
    expect(await ledger.renew(['req-1'], 81_000)).toBe(1);
    expect(await ledger.reconcile(81_000 + 4_999, 5_000)).toBe(0);
    expect(await ledger.reconcile(81_000 + 5_000, 5_000)).toBe(1);
    expect(await ledger.findHold('req-1')).toMatchObject({ status: 'expired', chargedNanos: 0n, expiresAtMs: 81_000 });
    expect(await ledger.renew(['req-1'], 200_000)).toBe(0);
  });
});
