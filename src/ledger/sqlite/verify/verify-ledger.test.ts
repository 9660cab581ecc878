import { describe, expect, it } from 'vitest';
import type { InvariantResult } from '../../ledger-types.js';
import { createHoldInput as hold, insertTestGeneration, openTestLedger } from '../test-support.js';

const nowMs = 1_010_000;

/**
 * A healthy ledger: 10 000 granted to org-a; req-1 settled at 600 with two attempt costs
 * (its generation recorded), req-2 active (1 000),
 * req-3 settled at 0, and one generation from before the ledger.
 */
function openHealthyLedger() {
  const opened = openTestLedger();
  const { database, ledger } = opened;
  ledger.grant({ grantId: 'g-1', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
  ledger.placeHold(hold('req-1'));
  ledger.settle({
    requestId: 'req-1',
    chargeNanos: 600n,
    attemptCosts: [
      { attemptId: 'att-1', providerId: 'openai', amount: 30n },
      { attemptId: 'att-2', providerId: 'deepseek', amount: 400n },
    ],
    nowMs: 1_005_000,
  });
  insertTestGeneration(database, { id: 'req-1', costNanos: 600n, upstreamCostNanos: 430n });
  ledger.placeHold(hold('req-2'));
  ledger.placeHold(hold('req-3'));
  ledger.settle({ requestId: 'req-3', chargeNanos: 0n, attemptCosts: [], nowMs: 1_005_000 });
  insertTestGeneration(database, { id: 'req-3', costNanos: 0n, upstreamCostNanos: 0n });
  insertTestGeneration(database, { id: 'gen-before-ledger', costNanos: 5n, upstreamCostNanos: 5n });
  return opened;
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
  { id: 'INV-8', title: 'Isolation', ok: true, failures: [], note: 'isolation is an API property, tested end to end' },
];

/** The failing invariants only, as id → failure lines. */
function readFailures(results: readonly InvariantResult[]): Record<string, readonly string[]> {
  return Object.fromEntries(results.filter((result) => !result.ok).map((result) => [result.id, result.failures]));
}

describe('verify', () => {
  it('reports every invariant ✓ on a healthy ledger, and on an empty one', () => {
    expect(openHealthyLedger().ledger.verify(nowMs, 0)).toEqual(healthy);
    const empty = openTestLedger().ledger.verify(0, 0);
    expect(empty.every((result) => result.ok)).toBe(true);
    expect(empty.find((result) => result.id === 'INV-4')?.note).toBeUndefined();
  });

  it('catches a raw posting that bypassed the cached balances', () => {
    const { database, ledger } = openHealthyLedger();
    database
      .prepare(
        `INSERT INTO ledger_postings (transfer_id, debit_account, credit_account, amount, kind, created_at_ms)
         VALUES ('grant:sneaky', 'platform:grants', 'org:org-a:available', 500, 'grant', 0)`,
      )
      .run();
    expect(readFailures(ledger.verify(nowMs, 0))).toEqual({
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

  it('catches a balance set below zero with the CHECKs bypassed', () => {
    const { database, ledger } = openHealthyLedger();
    database.pragma('ignore_check_constraints = ON');
    database.prepare("UPDATE ledger_balances SET balance = -5 WHERE account = 'org:org-a:available'").run();
    expect(readFailures(ledger.verify(nowMs, 0))).toEqual({
      'INV-1': ['Σ cached balances is -8405, not 0', 'org:org-a:available: cached balance -5, postings say 8400'],
      'INV-2': [
        'org:org-a:available is -5 (below zero)',
        'org org-a: available + held = 995, granted + refunded − charged = 9400',
      ],
      'INV-7': ['org:org-a:available is negative: -5'],
    });
  });

  it('catches a leaked hold past expiresAtMs + graceMs, and not at that instant', () => {
    const { ledger } = openHealthyLedger();
    expect(readFailures(ledger.verify(1_060_000 + 5_000, 5_000))).toEqual({});
    expect(readFailures(ledger.verify(1_060_000 + 5_001, 5_000))).toEqual({
      'INV-5': ['hold req-2 of org org-a expired at 1060000 and is still active 5000 ms of grace later (now 1065001)'],
    });
    expect(ledger.reconcile(1_065_001, 5_000)).toBe(1);
    expect(readFailures(ledger.verify(1_065_001, 5_000))).toEqual({});
  });

  it('catches a deleted posting once the append-only trigger is dropped', () => {
    const { database, ledger } = openHealthyLedger();
    database.exec('DROP TRIGGER ledger_postings_no_delete');
    database.prepare('DELETE FROM ledger_postings WHERE id = (SELECT MAX(id) FROM ledger_postings)').run();
    database.prepare("DELETE FROM ledger_postings WHERE kind = 'provider_cost' AND attempt_id = 'att-1'").run();
    expect(readFailures(ledger.verify(nowMs, 0))).toEqual({
      'INV-1': [
        'org:org-a:available: cached balance 8400, postings say 7400',
        'org:org-a:held: cached balance 1000, postings say 2000',
        'platform:inference_cost: cached balance -430, postings say -400',
        'platform:provider_payable:openai: cached balance 30, postings say 0',
        'an append-only trigger on ledger_postings is missing',
        'posting ids have gaps: 7 postings, highest id 8 (postings deleted)',
      ],
      'INV-3': ['hold req-3 (posted, 1000) charged 0 + released 0 ≠ its amount + top-up 0'],
      'INV-4': ['generation req-1 upstream cost 430, but its provider costs add up to 400'],
    });
  });

  it("catches an org's cached charged total that disagrees with its charges", () => {
    const { database, ledger } = openHealthyLedger();
    database.prepare("UPDATE ledger_org_totals SET charged_nanos = 601 WHERE org_id = 'org-a'").run();
    database.prepare("INSERT INTO ledger_org_totals (org_id, charged_nanos) VALUES ('org-ghost', 7)").run();
    expect(readFailures(ledger.verify(nowMs, 0))).toEqual({
      'INV-1': [
        'charged total of org org-a: cached 601, charges say 600',
        'charged total of org org-ghost: cached 7, charges say 0',
      ],
    });
  });

  it('catches a resolved hold made active again, with its postings left behind', () => {
    const { database, ledger } = openHealthyLedger();
    database.exec('DROP TRIGGER ledger_holds_resolve_once');
    database
      .prepare(
        "UPDATE ledger_holds SET status = 'active', resolved_at_ms = NULL, charged_nanos = NULL WHERE request_id = 'req-1'",
      )
      .run();
    expect(readFailures(ledger.verify(nowMs, 0))).toEqual({
      'INV-3': ['hold req-1 (active, 1000) is active but has 2 resolution posting(s)'],
      'INV-4': [
        'provider cost #5 of request req-1 is booked to platform:inference_cost',
        'provider cost #6 of request req-1 is booked to platform:inference_cost',
      ],
      'INV-5': ['org org-a: held balance 1000, active holds add up to 2000'],
    });
  });

  it('catches a generation whose charge differs from its settlement', () => {
    const { database, ledger } = openHealthyLedger();
    insertTestGeneration(database, { id: 'req-2', costNanos: 70n, upstreamCostNanos: 9n });
    expect(readFailures(ledger.verify(nowMs, 0))).toEqual({
      'INV-4': [
        'generation req-2 cost 70, but its charge postings add up to 0',
        'generation req-2 upstream cost 9, but its provider costs add up to 0',
      ],
    });
  });

  it('catches an amount above 1e18 and a hold charge above the hold, with the CHECKs bypassed', () => {
    const { database, ledger } = openHealthyLedger();
    database.pragma('ignore_check_constraints = ON');
    database.exec('DROP TRIGGER ledger_holds_resolve_once');
    database.prepare("UPDATE ledger_holds SET charged_nanos = 1001 WHERE request_id = 'req-3'").run();
    database
      .prepare('INSERT INTO ledger_grants (grant_id, org_id, amount, created_at_ms) VALUES (?, ?, ?, 0)')
      .run('g-huge', 'org-b', 10n ** 18n + 1n);
    const failures = readFailures(ledger.verify(nowMs, 0));
    expect(failures['INV-7']).toEqual([
      'ledger_grants g-huge: amount 1000000000000000001 is outside [1, 1000000000000000000]',
      'hold req-3 of 1000 records a charge of 1001',
    ]);
    expect(failures['INV-3']).toEqual(['hold req-3 (posted, 1000) records charge 1001, postings 0']);
  });

  it('lists at most 20 failures per invariant, then how many more', () => {
    const { ledger } = openTestLedger();
    ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
    for (let index = 0; index < 25; index += 1)
      ledger.placeHold(hold(`req-${String(index).padStart(2, '0')}`, { amountMax: 100n, amountMin: 1n }));
    const result = ledger.verify(10 ** 9, 0).find((invariant) => invariant.id === 'INV-5');
    expect(result?.failures).toHaveLength(21);
    expect(result?.failures[0]).toBe(
      'hold req-00 of org org-a expired at 1060000 and is still active 0 ms of grace later (now 1000000000)',
    );
    expect(result?.failures[20]).toBe('… and 5 more');
  });
});
