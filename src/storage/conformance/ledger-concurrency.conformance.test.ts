import { expect, it } from 'vitest';
import type { PlaceHoldResult, SettleResult } from '../../ledger/ledger-types.js';
import { describeEachDriver } from './driver-test-support.js';
import { createHoldInput as hold, ledgerCaseOpeners, openLedgerCase } from './ledger-test-support.js';

/**
 * Two nodes on one store at once (issue #6: "Atomic holds across nodes"). On PostgreSQL the two nodes are two pools
 * and the calls really overlap; on SQLite they are two connections to one file, whose calls run one after another —
 * the same outcome is required of both.
 */

/** `count` calls, alternating between the two nodes, all started before any is awaited. */
function runOnBoth<T>(count: number, call: (node: 0 | 1, index: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, index) => call(index % 2 === 0 ? 0 : 1, index)));
}

function countResults(results: readonly PlaceHoldResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) {
    const key = result.ok ? `ok ${result.amount}` : `${result.reason} ${result.affordableNanos}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describeEachDriver('ledger: two nodes at once', ledgerCaseOpeners, (context) => {
  it('200 concurrent admissions against credit for 40 admit exactly 40 and never overspend', async () => {
    const store = await openLedgerCase(context.ports);
    const nodes = [store.ledger, store.openPeer().ledger] as const;
    await nodes[0].grant({ grantId: 'g', orgId: 'org-a', amount: 40_500n, nowMs: 0 });
    const results = await runOnBoth(200, (node, index) =>
      nodes[node].placeHold(hold(`req-${index}`, { keyId: `key-${index % 7}`, amountMax: 1_000n, amountMin: 1_000n })),
    );
    expect(countResults(results)).toEqual({ 'ok 1000': 40, 'insufficient_credits 500': 160 });
    expect(await nodes[1].balance('org-a')).toEqual({
      availableNanos: 500n,
      heldNanos: 40_000n,
      grantedNanos: 40_500n,
      chargedNanos: 0n,
    });
    const active = await nodes[0].activeHolds();
    expect(active).toHaveLength(40);
    expect(active.reduce((sum, held) => sum + held.amount, 0n)).toBe(40_000n);
    expect((await nodes[1].verify(1_000_000, 0)).filter((result) => !result.ok)).toEqual([]);
  }, 30_000);

  it("100 concurrent admissions on one key admit exactly what the key's limit allows", async () => {
    const store = await openLedgerCase(context.ports);
    const nodes = [store.ledger, store.openPeer().ledger] as const;
    await nodes[0].grant({ grantId: 'g', orgId: 'org-a', amount: 1_000_000n, nowMs: 0 });
    const keyLimit = { limitNanos: 10_000n, windowStartMs: 0 };
    const results = await runOnBoth(100, (node, index) =>
      nodes[node].placeHold(hold(`req-${index}`, { keyLimit, amountMax: 1_000n, amountMin: 1_000n })),
    );
    expect(countResults(results)).toEqual({ 'ok 1000': 10, 'key_limit_reached 0': 90 });
    expect(await nodes[1].keySpend('key-a', 0)).toEqual({ spentNanos: 0n, heldNanos: 10_000n });
    expect((await nodes[0].verify(1_000_000, 0)).filter((result) => !result.ok)).toEqual([]);
  }, 30_000);

  it('the same request admitted by both nodes at once holds once', async () => {
    const store = await openLedgerCase(context.ports);
    const nodes = [store.ledger, store.openPeer().ledger] as const;
    await nodes[0].grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    const results = await runOnBoth(20, (node) => nodes[node].placeHold(hold('req-1')));
    expect(countResults(results)).toEqual({ 'ok 1000': 20 });
    expect(await nodes[0].postings()).toHaveLength(2);
    expect(await nodes[1].balance('org-a')).toMatchObject({ availableNanos: 9_000n, heldNanos: 1_000n });
  }, 30_000);

  it('one hold settled by both nodes at once is charged once', async () => {
    const store = await openLedgerCase(context.ports);
    const nodes = [store.ledger, store.openPeer().ledger] as const;
    await nodes[0].grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    await nodes[0].placeHold(hold('req-1'));
    const attemptCosts = [{ attemptId: 'att-1', providerId: 'openai', amount: 30n }];
    const results = await runOnBoth(20, (node) =>
      nodes[node].settle({ requestId: 'req-1', chargeNanos: 1_700n, attemptCosts, nowMs: 1_001_000 }),
    );
    const first = results.filter((result: SettleResult) => result.isFirstSettlement);
    expect(first).toEqual([{ chargedNanos: 1_700n, isFirstSettlement: true }]);
    expect(results.every((result) => result.chargedNanos === 1_700n)).toBe(true);
    expect((await nodes[1].postings({ requestId: 'req-1' })).map((posting) => [posting.kind, posting.amount])).toEqual([
      ['hold', 1_000n],
      ['top_up', 700n],
      ['charge', 1_700n],
      ['provider_cost', 30n],
    ]);
    expect(await nodes[0].balance('org-a')).toEqual({
      availableNanos: 8_300n,
      heldNanos: 0n,
      grantedNanos: 10_000n,
      chargedNanos: 1_700n,
    });
  }, 30_000);

  it('both nodes reconciling at once expire each hold once', async () => {
    const store = await openLedgerCase(context.ports);
    const nodes = [store.ledger, store.openPeer().ledger] as const;
    await nodes[0].grant({ grantId: 'g', orgId: 'org-a', amount: 100_000n, nowMs: 0 });
    for (let index = 0; index < 30; index += 1) await nodes[index % 2]!.placeHold(hold(`req-${index}`));
    const expired = await runOnBoth(6, (node) => nodes[node].reconcile(2_000_000, 0));
    expect(expired.reduce((sum, count) => sum + count, 0)).toBe(30);
    expect(await nodes[1].balance('org-a')).toMatchObject({ availableNanos: 100_000n, heldNanos: 0n });
    expect((await nodes[0].postings()).filter((posting) => posting.kind === 'expire')).toHaveLength(30);
    expect((await nodes[0].verify(2_000_000, 0)).filter((result) => !result.ok)).toEqual([]);
  }, 30_000);

  it('admissions, settlements and sweeps of two orgs interleaved on both nodes keep every invariant', async () => {
    const store = await openLedgerCase(context.ports);
    const nodes = [store.ledger, store.openPeer().ledger] as const;
    for (const orgId of ['org-a', 'org-b']) {
      await nodes[0].grant({ grantId: `g-${orgId}`, orgId, amount: 50_000n, nowMs: 0 });
    }
    const calls = await runOnBoth(120, async (node, index) => {
      const ledger = nodes[node];
      const orgId = index % 3 === 0 ? 'org-b' : 'org-a';
      const requestId = `req-${index}`;
      const keyLimit = index % 4 === 0 ? { limitNanos: 20_000n, windowStartMs: 0 } : undefined;
      const placed = await ledger.placeHold(hold(requestId, { orgId, keyId: `${orgId}-key-${index % 2}`, keyLimit }));
      if (index % 10 === 9) await ledger.reconcile(1_000_000 + 60_000, 0);
      if (!placed.ok || index % 5 === 4) return 0n;
      const attemptCosts = [{ attemptId: 'att-1', providerId: `provider-${index % 3}`, amount: BigInt(index) }];
      const chargeNanos = BigInt(index % 4) * 700n;
      const settled = await ledger.settle({ requestId, chargeNanos, attemptCosts, nowMs: 1_000_500 });
      return settled.isFirstSettlement ? settled.chargedNanos : 0n;
    });
    await nodes[1].reconcile(1_000_000 + 60_000, 0);
    const chargedNanos = calls.reduce((sum, charged) => sum + charged, 0n);
    const balances = [await nodes[0].balance('org-a'), await nodes[1].balance('org-b')];
    expect(balances.reduce((sum, balance) => sum + balance.chargedNanos, 0n)).toBe(chargedNanos);
    for (const balance of balances) {
      expect(balance.heldNanos).toBe(0n);
      expect(balance.availableNanos).toBe(50_000n - balance.chargedNanos);
    }
    expect(await nodes[0].activeHolds()).toEqual([]);
    expect((await nodes[1].verify(1_060_000, 0)).filter((result) => !result.ok)).toEqual([]);
  }, 30_000);
});
