import { expect, it } from 'vitest';
import { describeEachDriver } from './driver-test-support.js';
import { ledgerCaseOpeners, openLedgerCase } from './ledger-test-support.js';

/**
 * Credit codes on both drivers: each code pays out once through the ledger, in the redemption's transaction, even
 * when two nodes redeem it at the same instant.
 */
describeEachDriver('credit codes', ledgerCaseOpeners, (context) => {
  it('creates distinct typed codes that each grant their amount once, to the first org that redeems them', async () => {
    const { ledger, creditCodes } = await openLedgerCase(context.ports);
    const codes = await creditCodes.createCodes(2_500n, 3, 1_000);
    expect(codes).toHaveLength(3);
    expect(new Set(codes).size).toBe(3);
    for (const code of codes) expect(code).toMatch(/^mer-cc-[A-Za-z0-9_-]{22}$/);
    expect(await creditCodes.redeemCode(codes[0]!, 'org-a', 2_000)).toBe(2_500n);
    expect(await creditCodes.redeemCode(codes[0]!, 'org-a', 2_001)).toBeUndefined();
    expect(await creditCodes.redeemCode(codes[0]!, 'org-b', 2_002)).toBeUndefined();
    expect(await creditCodes.redeemCode(codes[1]!, 'org-a', 2_003)).toBe(2_500n);
    expect(await ledger.balance('org-a')).toEqual({
      availableNanos: 5_000n,
      heldNanos: 0n,
      grantedNanos: 5_000n,
      chargedNanos: 0n,
    });
    expect(await ledger.balance('org-b')).toMatchObject({ grantedNanos: 0n });
    const grants = await ledger.postings({ account: 'org:org-a:available' });
    expect(grants.map((posting) => [posting.kind, posting.amount, posting.createdAtMs])).toEqual([
      ['grant', 2_500n, 2_000],
      ['grant', 2_500n, 2_003],
    ]);
    expect(grants[0]?.transferId).toMatch(/^grant:code:[0-9a-f]{64}$/);
    expect((await ledger.verify(3_000, 0)).filter((result) => !result.ok)).toEqual([]);
  });

  it('answers undefined for an unknown code, a mistyped one and an empty batch', async () => {
    const { ledger, creditCodes } = await openLedgerCase(context.ports);
    expect(await creditCodes.createCodes(100n, 0, 1_000)).toEqual([]);
    expect(await creditCodes.redeemCode('mer-cc-AAAAAAAAAAAAAAAAAAAAAA', 'org-a', 1)).toBeUndefined();
    expect(await creditCodes.redeemCode('not-a-code', 'org-a', 1)).toBeUndefined();
    expect(await ledger.postings()).toEqual([]);
  });

  it('a code redeemed by two nodes for several orgs at once pays out exactly once', async () => {
    const store = await openLedgerCase(context.ports);
    const nodes = [store.creditCodes, store.openPeer().creditCodes] as const;
    const [code] = await nodes[0].createCodes(7_000n, 1, 1_000);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => nodes[index % 2]!.redeemCode(code!, `org-${index % 4}`, 2_000 + index)),
    );
    expect(results.filter((result) => result !== undefined)).toEqual([7_000n]);
    const winner = `org-${results.findIndex((result) => result !== undefined) % 4}`;
    expect(await store.ledger.balance(winner)).toMatchObject({ availableNanos: 7_000n, grantedNanos: 7_000n });
    expect((await store.ledger.postings()).filter((posting) => posting.kind === 'grant')).toHaveLength(1);
    expect((await store.ledger.verify(3_000, 0)).filter((result) => !result.ok)).toEqual([]);
  }, 30_000);
});
