import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import type { InvariantResult } from '../../ledger/ledger-types.js';
import { describeEachDriver } from './driver-test-support.js';
import type { LedgerCases } from './ledger-test-support.js';
import { createHoldInput as hold, ledgerCaseOpeners, openLedgerCase } from './ledger-test-support.js';

/**
 * `verify` (INV-1..INV-8) on both drivers, ported from src/ledger/sqlite/verify/verify-ledger.test.ts: the same report
 * on a healthy store, and the same failure lines for the same damage. Damage needs raw SQL, which differs by driver
 * (SQLite ignores CHECKs by pragma, PostgreSQL drops the constraint). Where the layouts differ, so may a line:
 * SQLite also finds deleted postings by gaps in the ids (PostgreSQL identity ids have gaps by design), and PostgreSQL
 * also checks each key's cached held total.
 */

const nowMs = 1_010_000;

/**
 * A healthy ledger: 10 000 granted to org-a; req-1 settled at 600 with two attempt costs (its generation recorded),
 * req-2 active (1 000), req-3 settled at 0, and one generation from before the ledger.
 */
async function openHealthyLedger(cases: LedgerCases) {
  const store = await openLedgerCase(cases);
  const { ledger } = store;
  await ledger.grant({ grantId: 'g-1', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
  await ledger.placeHold(hold('req-1'));
  await ledger.settle({
    requestId: 'req-1',
    chargeNanos: 600n,
    attemptCosts: [
      { attemptId: 'att-1', providerId: 'openai', amount: 30n },
      { attemptId: 'att-2', providerId: 'deepseek', amount: 400n },
    ],
    nowMs: 1_005_000,
  });
  await store.insertGeneration({ id: 'req-1', costNanos: 600n, upstreamCostNanos: 430n });
  await ledger.placeHold(hold('req-2'));
  await ledger.placeHold(hold('req-3'));
  await ledger.settle({ requestId: 'req-3', chargeNanos: 0n, attemptCosts: [], nowMs: 1_005_000 });
  await store.insertGeneration({ id: 'req-3', costNanos: 0n, upstreamCostNanos: 0n });
  await store.insertGeneration({ id: 'gen-before-ledger', costNanos: 5n, upstreamCostNanos: 5n });
  return store;
}

const healthy: readonly InvariantResult[] = [
  { id: 'INV-1', title: 'Conservation', ok: true, failures: [] },
  { id: 'INV-2', title: 'Bounded spend', ok: true, failures: [] },
  { id: 'INV-3', title: 'Exactly-once resolution', ok: true, failures: [] },
  {
    id: 'INV-4',
    title: 'No lost usage',
    ok: true,
    failures: [],
    note: '1 generation(s) without a hold predate the ledger and were skipped',
  },
  { id: 'INV-5', title: 'Holds drain', ok: true, failures: [] },
  {
    id: 'INV-6',
    title: 'Idempotency',
    ok: true,
    failures: [],
    note: 'Idempotency-Key replay is an API property, tested end to end',
  },
  { id: 'INV-7', title: 'Sane amounts', ok: true, failures: [] },
  {
    id: 'INV-8',
    title: 'Isolation',
    ok: true,
    failures: [],
    note: "the store's part; the API's part is tested end to end",
  },
];

/** The failing invariants only, as id → failure lines. */
function readFailures(results: readonly InvariantResult[]): Record<string, readonly string[]> {
  return Object.fromEntries(results.filter((result) => !result.ok).map((result) => [result.id, result.failures]));
}

describeEachDriver('ledger: verify', ledgerCaseOpeners, (context) => {
  it('reports every invariant ✓ on a healthy ledger, and on an empty one', async () => {
    expect(await (await openHealthyLedger(context.ports)).ledger.verify(nowMs, 0)).toEqual(healthy);
    const empty = await (await openLedgerCase(context.ports)).ledger.verify(0, 0);
    expect(empty.every((result) => result.ok)).toBe(true);
    expect(empty.find((result) => result.id === 'INV-4')?.note).toBeUndefined();
  });

  it('stays ✓ after the reconciler (which also folds cached platform balances on PostgreSQL)', async () => {
    const { ledger } = await openHealthyLedger(context.ports);
    expect(await ledger.reconcile(1_060_000, 0)).toBe(1);
    expect(readFailures(await ledger.verify(1_060_000, 0))).toEqual({});
    await ledger.grant({ grantId: 'g-2', orgId: 'org-a', amount: 7n, nowMs: 1_060_001 });
    expect(readFailures(await ledger.verify(1_060_001, 0))).toEqual({});
  });

  it('catches a raw posting that bypassed the cached balances', async () => {
    const store = await openHealthyLedger(context.ports);
    const insert = `INSERT INTO ledger_postings (transfer_id, debit_account, credit_account, amount, kind, created_at_ms)
      VALUES ('grant:sneaky', 'platform:grants', 'org:org-a:available', 500, 'grant', 0)`;
    await store.execute({ sqlite: [insert], postgres: [insert] });
    expect(readFailures(await store.ledger.verify(nowMs, 0))).toEqual({
      'INV-1': [
        'org:org-a:available: cached balance 8400, postings say 8900',
        'platform:grants: cached balance -10000, postings say -10500',
      ],
      'INV-2': ['org org-a: available + held = 9400, granted + refunded − charged = 9900'],
      'INV-6': [
        'grant posting grant:sneaky has no grant row',
        'org org-a: grants add up to 10000, grant postings to 10500',
      ],
    });
  });

  it('catches a balance set below zero with the CHECKs bypassed', async () => {
    const store = await openHealthyLedger(context.ports);
    await store.execute({
      sqlite: [
        'PRAGMA ignore_check_constraints = ON',
        "UPDATE ledger_balances SET balance = -5 WHERE account = 'org:org-a:available'",
      ],
      postgres: [
        'ALTER TABLE ledger_org_balances DROP CONSTRAINT ledger_org_balances_available_nanos_check',
        "UPDATE ledger_org_balances SET available_nanos = -5 WHERE org_id = 'org-a'",
      ],
    });
    expect(readFailures(await store.ledger.verify(nowMs, 0))).toEqual({
      'INV-1': ['Σ cached balances is -8405, not 0', 'org:org-a:available: cached balance -5, postings say 8400'],
      'INV-2': [
        'org:org-a:available is -5 (below zero)',
        'org org-a: available + held = 995, granted + refunded − charged = 9400',
      ],
      'INV-7': ['org:org-a:available is negative: -5'],
    });
  });

  it('catches a leaked hold past expiresAtMs + graceMs, and not at that instant', async () => {
    const { ledger } = await openHealthyLedger(context.ports);
    expect(readFailures(await ledger.verify(1_060_000 + 5_000, 5_000))).toEqual({});
    expect(readFailures(await ledger.verify(1_060_000 + 5_001, 5_000))).toEqual({
      'INV-5': ['hold req-2 of org org-a expired at 1060000 and is still active 5000 ms of grace later (now 1065001)'],
    });
    expect(await ledger.reconcile(1_065_001, 5_000)).toBe(1);
    expect(readFailures(await ledger.verify(1_065_001, 5_000))).toEqual({});
  });

  it('catches a deleted posting once the append-only trigger is dropped', async () => {
    const store = await openHealthyLedger(context.ports);
    const deleteLast = 'DELETE FROM ledger_postings WHERE id = (SELECT MAX(id) FROM ledger_postings)';
    const deleteCost = "DELETE FROM ledger_postings WHERE kind = 'provider_cost' AND attempt_id = 'att-1'";
    await store.execute({
      sqlite: ['DROP TRIGGER ledger_postings_no_delete', deleteLast, deleteCost],
      postgres: ['DROP TRIGGER ledger_postings_no_delete ON ledger_postings', deleteLast, deleteCost],
    });
    expect(readFailures(await store.ledger.verify(nowMs, 0))).toEqual({
      'INV-1': [
        'org:org-a:available: cached balance 8400, postings say 7400',
        'org:org-a:held: cached balance 1000, postings say 2000',
        'platform:inference_cost: cached balance -430, postings say -400',
        'platform:provider_payable:openai: cached balance 30, postings say 0',
        'an append-only trigger on ledger_postings is missing',
        ...(store.driver === 'sqlite' ? ['posting ids have gaps: 7 postings, highest id 8 (postings deleted)'] : []),
      ],
      'INV-3': ['hold req-3 (posted, 1000) charged 0 + released 0 ≠ its amount + top-up 0'],
      'INV-4': ['generation req-1 upstream cost 430, but its provider costs add up to 400'],
    });
  });

  it("catches an org's cached charged total that disagrees with its charges", async () => {
    const store = await openHealthyLedger(context.ports);
    await store.execute({
      sqlite: [
        "UPDATE ledger_org_totals SET charged_nanos = 601 WHERE org_id = 'org-a'",
        "INSERT INTO ledger_org_totals (org_id, charged_nanos) VALUES ('org-ghost', 7)",
      ],
      postgres: [
        "UPDATE ledger_org_balances SET charged_nanos = 601 WHERE org_id = 'org-a'",
        "INSERT INTO ledger_org_balances (org_id, available_nanos, held_nanos, charged_nanos) VALUES ('org-ghost', 0, 0, 7)",
      ],
    });
    expect(readFailures(await store.ledger.verify(nowMs, 0))).toEqual({
      'INV-1': [
        'charged total of org org-a: cached 601, charges say 600',
        'charged total of org org-ghost: cached 7, charges say 0',
      ],
    });
  });

  it('catches a resolved hold made active again, with its postings left behind', async () => {
    const store = await openHealthyLedger(context.ports);
    const reopen =
      "UPDATE ledger_holds SET status = 'active', resolved_at_ms = NULL, charged_nanos = NULL WHERE request_id = 'req-1'";
    await store.execute({
      sqlite: ['DROP TRIGGER ledger_holds_resolve_once', reopen],
      postgres: ['DROP TRIGGER ledger_holds_resolve_once ON ledger_holds', reopen],
    });
    expect(readFailures(await store.ledger.verify(nowMs, 0))).toEqual({
      'INV-3': ['hold req-1 (active, 1000) is active but has 2 resolution posting(s)'],
      'INV-4': [
        'provider cost #5 of request req-1 is booked to platform:inference_cost',
        'provider cost #6 of request req-1 is booked to platform:inference_cost',
      ],
      'INV-5': [
        'org org-a: held balance 1000, active holds add up to 2000',
        ...(store.driver === 'postgres' ? ['key key-a: held total 1000, active holds add up to 2000'] : []),
      ],
    });
  });

  it('catches a generation whose charge differs from its settlement', async () => {
    const store = await openHealthyLedger(context.ports);
    await store.insertGeneration({ id: 'req-2', costNanos: 70n, upstreamCostNanos: 9n });
    expect(readFailures(await store.ledger.verify(nowMs, 0))).toEqual({
      'INV-4': [
        'generation req-2 cost 70, but its charge postings add up to 0',
        'generation req-2 upstream cost 9, but its provider costs add up to 0',
      ],
    });
  });

  it('catches a charged or costed settlement whose generation record is gone, when asked, unless retention purged it', async () => {
    const store = await openHealthyLedger(context.ports);
    await store.ledger.settle({ requestId: 'req-2', chargeNanos: 0n, attemptCosts: [], nowMs: 1_006_000 });
    await store.ledger.placeHold(hold('req-4'));
    const cost = { attemptId: 'att-1', providerId: 'openai', amount: 9n };
    await store.ledger.settle({ requestId: 'req-4', chargeNanos: 0n, attemptCosts: [cost], nowMs: 1_006_000 });
    const purge = "DELETE FROM generations WHERE id IN ('req-1', 'req-3')";
    await store.execute({ sqlite: [purge], postgres: [purge] });
    expect(readFailures(await store.ledger.verify(nowMs, 0))).toEqual({});
    const records = { generationRecords: { retentionDays: undefined } };
    expect(readFailures(await store.ledger.verify(nowMs, 0, records))).toEqual({
      'INV-4': [
        'hold req-1 (posted, charged 600) has no generation record',
        'hold req-4 (posted, charged 0) has no generation record',
      ],
    });
    const dayMs = 86_400_000;
    const kept = await store.ledger.verify(7 * dayMs + 1_000_000, 0, { generationRecords: { retentionDays: 8 } });
    expect(readFailures(kept)['INV-4']).toEqual([
      'hold req-1 (posted, charged 600) has no generation record',
      'hold req-4 (posted, charged 0) has no generation record',
    ]);
    const purged = await store.ledger.verify(7 * dayMs + 1_000_001, 0, { generationRecords: { retentionDays: 8 } });
    expect(readFailures(purged)['INV-4']).toBeUndefined();
  });

  it('counts answers from the response cache apart, and catches one that moved money or holds credit', async () => {
    const store = await openHealthyLedger(context.ports);
    await store.insertGeneration({ id: 'gen-cached', costNanos: 0n, upstreamCostNanos: 0n });
    await store.insertGeneration({ id: 'gen-cached-charged', costNanos: 70n, upstreamCostNanos: 9n });
    await store.insertGeneration({ id: 'req-2', costNanos: 0n, upstreamCostNanos: 0n });
    const toCache = "UPDATE generations SET ending = 'cache' WHERE id IN ('gen-cached', 'gen-cached-charged', 'req-2')";
    await store.execute({ sqlite: [toCache], postgres: [toCache] });
    const results = await store.ledger.verify(nowMs, 0);
    expect(readFailures(results)).toEqual({
      'INV-4': [
        'generation gen-cached-charged was served from the response cache but has cost 70, upstream cost 9',
        'generation req-2 was served from the response cache but has cost 0, upstream cost 0 and a hold',
      ],
    });
    expect(results.find((result) => result.id === 'INV-4')?.note).toBe(
      '1 generation(s) without a hold predate the ledger and were skipped',
    );
  });

  it('catches a hold and a generation booked to another org than their key, and a generation apart from its hold', async () => {
    const store = await openHealthyLedger(context.ports);
    await store.execute({
      sqlite: [
        "INSERT INTO orgs (id, name, created_at_ms) VALUES ('org-a', 'A', 0), ('org-b', 'B', 0)",
        `INSERT INTO api_keys (id, org_id, name, role, digest, display_prefix, last_four, created_at_ms)
         VALUES ('key-a', 'org-b', 'k', 'member', 'd', 'p', 'l', 0)`,
      ],
      postgres: [
        "INSERT INTO orgs (id, name, created_at_ms) VALUES ('org-a', 'A', 0), ('org-b', 'B', 0)",
        `INSERT INTO api_keys (id, org_id, name, role, digest, display_prefix, last_four, created_at_ms)
         VALUES ('key-a', 'org-b', 'k', 'member', 'd', 'p', 'l', 0)`,
      ],
    });
    expect(readFailures(await store.ledger.verify(nowMs, 0))['INV-8']).toEqual([
      'generation gen-before-ledger is for org org-a, but its key key-a belongs to org org-b',
      'generation req-1 is for org org-a, but its key key-a belongs to org org-b',
      'generation req-3 is for org org-a, but its key key-a belongs to org org-b',
      'hold req-1 is for org org-a, but its key key-a belongs to org org-b',
      'hold req-2 is for org org-a, but its key key-a belongs to org org-b',
      'hold req-3 is for org org-a, but its key key-a belongs to org org-b',
    ]);
    const moveGeneration = "UPDATE generations SET org_id = 'org-b' WHERE id = 'req-1'";
    const moveKey = "UPDATE api_keys SET org_id = 'org-a' WHERE id = 'key-a'";
    await store.execute({ sqlite: [moveGeneration, moveKey], postgres: [moveGeneration, moveKey] });
    expect(readFailures(await store.ledger.verify(nowMs, 0))).toEqual({
      'INV-8': [
        'generation req-1 is for org org-b, but its hold is for org org-a',
        'generation req-1 is for org org-b, but its key key-a belongs to org org-a',
      ],
    });
  });

  it('catches an amount above 1e18 and a hold charge above the hold, with the CHECKs bypassed', async () => {
    const store = await openHealthyLedger(context.ports);
    const overcharge = "UPDATE ledger_holds SET charged_nanos = 1001 WHERE request_id = 'req-3'";
    const hugeGrant =
      "INSERT INTO ledger_grants (grant_id, org_id, amount, created_at_ms) VALUES ('g-huge', 'org-b', 1000000000000000001, 0)";
    await store.execute({
      sqlite: ['PRAGMA ignore_check_constraints = ON', 'DROP TRIGGER ledger_holds_resolve_once', overcharge, hugeGrant],
      postgres: [
        'DROP TRIGGER ledger_holds_resolve_once ON ledger_holds',
        'ALTER TABLE ledger_grants DROP CONSTRAINT ledger_grants_amount_check',
        overcharge,
        hugeGrant,
      ],
    });
    const failures = readFailures(await store.ledger.verify(nowMs, 0));
    expect(failures['INV-7']).toEqual([
      'ledger_grants g-huge: amount 1000000000000000001 is outside [1, 1000000000000000000]',
      'hold req-3 of 1000 records a charge of 1001',
    ]);
    expect(failures['INV-3']).toEqual(['hold req-3 (posted, 1000) records charge 1001, postings 0']);
  });

  it("catches a generation with a token count below zero or past one call's most, and a cost past 1e18", async () => {
    const store = await openHealthyLedger(context.ports);
    const damage = [
      "UPDATE generations SET tokens_input_total = -5, tokens_output_reasoning = 100000001 WHERE id = 'req-1'",
      "UPDATE generations SET tokens_output_total = 100000000, tokens_input_cache_read = 0 WHERE id = 'req-3'",
      "UPDATE generations SET upstream_cost_nanos = 1000000000000000001 WHERE id = 'gen-before-ledger'",
    ];
    await store.execute({
      sqlite: ['PRAGMA ignore_check_constraints = ON', ...damage],
      postgres: ['ALTER TABLE generations DROP CONSTRAINT generations_upstream_cost_nanos_check', ...damage],
    });
    expect(readFailures(await store.ledger.verify(nowMs, 0))).toEqual({
      'INV-7': [
        'generation gen-before-ledger: upstream_cost_nanos 1000000000000000001 is outside [0, 1000000000000000000]',
        'generation req-1: tokens_input_total -5 is outside [0, 100000000]',
        'generation req-1: tokens_output_reasoning 100000001 is outside [0, 100000000]',
      ],
    });
  });

  it('catches a credit code redeemed without its grant, or for another org, and a code grant without its code', async () => {
    const store = await openHealthyLedger(context.ports);
    const [paid, unpaid] = await store.creditCodes.createCodes(2_500n, 2, 1_000);
    const [cheap] = await store.creditCodes.createCodes(300n, 1, 1_000);
    expect(await store.creditCodes.redeemCode(paid!, 'org-a', 1_001)).toBe(2_500n);
    expect(await store.creditCodes.redeemCode(cheap!, 'org-a', 1_001)).toBe(300n);
    await store.ledger.grant({ grantId: 'code:feed', orgId: 'org-a', amount: 7n, nowMs: 1_002 });
    const digest = (code: string | undefined) =>
      createHash('sha256')
        .update(code ?? '')
        .digest('hex');
    const damage = [
      `UPDATE credit_codes SET redeemed_by_org = 'org-a', redeemed_at_ms = 1003 WHERE digest = '${digest(unpaid)}'`,
      `UPDATE credit_codes SET redeemed_by_org = 'org-b' WHERE digest = '${digest(paid)}'`,
      `UPDATE credit_codes SET redeemed_by_org = NULL, redeemed_at_ms = NULL WHERE digest = '${digest(cheap)}'`,
    ];
    await store.execute({ sqlite: damage, postgres: damage });
    const lines = [
      `credit code ${digest(paid)} redeemed by org org-b for 2500 is granted 2500 to org org-a`,
      `credit code ${digest(unpaid)} redeemed by org org-a for 2500 has no grant`,
      `credit code ${digest(cheap)} is not redeemed, but granted 300 to org org-a`,
    ].sort();
    expect(readFailures(await store.ledger.verify(nowMs, 0))).toEqual({
      'INV-6': [...lines, 'grant code:feed (7 to org org-a) has no credit code'],
    });
  });

  it('lists at most 20 failures per invariant, then how many more', async () => {
    const { ledger } = await openLedgerCase(context.ports);
    await ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    for (let index = 0; index < 25; index += 1) {
      await ledger.placeHold(hold(`req-${String(index).padStart(2, '0')}`, { amountMax: 100n, amountMin: 1n }));
    }
    const result = (await ledger.verify(10 ** 9, 0)).find((invariant) => invariant.id === 'INV-5');
    expect(result?.failures).toHaveLength(21);
    expect(result?.failures[0]).toBe(
      'hold req-00 of org org-a expired at 1060000 and is still active 0 ms of grace later (now 1000000000)',
    );
    expect(result?.failures[20]).toBe('… and 5 more');
  });
});

describeEachDriver('ledger: schema guards', ledgerCaseOpeners, (context) => {
  /** A ledger with a grant, a settled request and an active one. */
  async function openBusyLedger() {
    const store = await openLedgerCase(context.ports);
    await store.ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    await store.ledger.placeHold(hold('req-1'));
    await store.ledger.settle({ requestId: 'req-1', chargeNanos: 10n, attemptCosts: [], nowMs: 1_000_001 });
    await store.ledger.placeHold(hold('req-2'));
    return store;
  }
  const both = (sql: string) => ({ sqlite: [sql], postgres: [sql] });

  it('refuses to update or delete a posting, a grant or a hold, and to change a resolved hold', async () => {
    const store = await openBusyLedger();
    await expect(store.execute(both('UPDATE ledger_postings SET amount = 1 WHERE id = 1'))).rejects.toThrow(
      'ledger_postings is append-only',
    );
    await expect(store.execute(both('DELETE FROM ledger_postings'))).rejects.toThrow('ledger_postings is append-only');
    await expect(store.execute(both('UPDATE ledger_grants SET amount = 1'))).rejects.toThrow('append-only');
    await expect(store.execute(both('DELETE FROM ledger_grants'))).rejects.toThrow('append-only');
    await expect(
      store.execute(
        both(
          "UPDATE ledger_holds SET status = 'expired', resolved_at_ms = 5, charged_nanos = 0 WHERE request_id = 'req-1'",
        ),
      ),
    ).rejects.toThrow('resolved exactly once');
    await expect(store.execute(both("UPDATE ledger_holds SET amount = 1 WHERE request_id = 'req-2'"))).rejects.toThrow(
      'resolved exactly once',
    );
    await expect(store.execute(both("DELETE FROM ledger_holds WHERE request_id = 'req-2'"))).rejects.toThrow(
      'never deleted',
    );
    expect(await store.ledger.postings()).toHaveLength(5);
    expect((await store.ledger.verify(1_000_001, 0)).every((result) => result.ok)).toBe(true);
  });

  it('refuses a second charge for a request, a second provider cost for an attempt and a negative amount', async () => {
    const store = await openBusyLedger();
    const insert = (kind: string, attemptId: string | null, amount: number) =>
      both(`INSERT INTO ledger_postings (transfer_id, debit_account, credit_account, amount, kind, request_id, attempt_id,
          created_at_ms) VALUES ('x', '${kind === 'charge' ? 'org:org-a:held' : 'platform:inference_cost'}',
          '${kind === 'charge' ? 'platform:revenue' : 'platform:provider_payable:p'}', ${amount}, '${kind}', 'req-1',
          ${attemptId === null ? 'NULL' : `'${attemptId}'`}, 0)`);
    await expect(store.execute(insert('charge', null, 1))).rejects.toThrow(/UNIQUE constraint failed|duplicate key/);
    await store.execute(insert('provider_cost', 'att-1', 1));
    await expect(store.execute(insert('provider_cost', 'att-1', 2))).rejects.toThrow(
      /UNIQUE constraint failed|duplicate key/,
    );
    await expect(store.execute(insert('provider_cost', null, 2))).rejects.toThrow(/CHECK constraint failed|check/);
    await expect(store.execute(insert('provider_cost', 'att-2', -5))).rejects.toThrow(/CHECK constraint failed|check/);
  });
});
