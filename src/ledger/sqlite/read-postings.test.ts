import type { Database } from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { prepareLedgerStatements } from './prepare-ledger-statements.js';
import { createHoldInput as hold, openTestLedger } from './test-support.js';

/** SQLite's plan for a statement, one `detail` line per step. */
function readPlan(database: Database, sql: string, ...parameters: unknown[]): string[] {
  return database
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...parameters)
    .map((row) => (row as { detail: string }).detail);
}

/** org-a granted 10 000; req-1 settled at 600 with two attempt costs; req-2 held; org-b granted 5 and 7. */
function openLedgerWithPostings() {
  const opened = openTestLedger();
  const { ledger } = opened;
  ledger.grant({ grantId: 'g-1', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
  ledger.grant({ grantId: 'g-2', orgId: 'org-b', amount: 5n, nowMs: 0 });
  ledger.grant({ grantId: 'g-3', orgId: 'org-b', amount: 7n, nowMs: 0 });
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
  ledger.placeHold(hold('req-2'));
  return opened;
}

describe('postings of one request', () => {
  it('lists every kind of posting of the request, in id order', () => {
    const { ledger } = openLedgerWithPostings();
    expect(
      ledger.postings({ requestId: 'req-1' }).map((posting) => [posting.id, posting.kind, posting.amount]),
    ).toEqual([
      [4, 'hold', 1_000n],
      [5, 'charge', 600n],
      [6, 'release', 400n],
      [7, 'provider_cost', 30n],
      [8, 'provider_cost', 400n],
    ]);
    expect(ledger.postings({ requestId: 'req-1', account: 'org:org-a:held' }).map((posting) => posting.id)).toEqual([
      4, 5, 6,
    ]);
    expect(ledger.postings({ requestId: 'req-unknown' })).toEqual([]);
  });

  it('reads them through the two partial unique indexes, never a scan of ledger_postings', () => {
    const { database } = openLedgerWithPostings();
    const statements = prepareLedgerStatements(database);
    const plan = readPlan(database, statements.selectPostingsByRequest.source, 'req-1', 'req-1');
    expect(plan).toEqual(
      expect.arrayContaining([
        'SEARCH ledger_postings USING INDEX ledger_postings_once_per_request (request_id=? AND kind=?)',
        'SEARCH ledger_postings USING INDEX ledger_postings_once_per_attempt (request_id=?)',
      ]),
    );
    expect(plan.filter((line) => line.startsWith('SCAN'))).toEqual([]);
    expect(readPlan(database, statements.selectProviderCostAttempts.source, 'req-1')).toEqual([
      'SEARCH ledger_postings USING COVERING INDEX ledger_postings_once_per_attempt (request_id=?)',
    ]);
  });
});

describe('org balance', () => {
  it('reads granted from the grants and charged from the cached org total', () => {
    const { ledger } = openLedgerWithPostings();
    expect(ledger.balance('org-a')).toEqual({
      availableNanos: 8_400n,
      heldNanos: 1_000n,
      grantedNanos: 10_000n,
      chargedNanos: 600n,
    });
    expect(ledger.balance('org-b')).toEqual({
      availableNanos: 12n,
      heldNanos: 0n,
      grantedNanos: 12n,
      chargedNanos: 0n,
    });
    expect(ledger.balance('org-unknown')).toEqual({
      availableNanos: 0n,
      heldNanos: 0n,
      grantedNanos: 0n,
      chargedNanos: 0n,
    });
  });

  it('touches no posting: one indexed lookup each', () => {
    const { database } = openLedgerWithPostings();
    const statements = prepareLedgerStatements(database);
    expect(readPlan(database, statements.sumOrgGrants.source, 'org-a')).toEqual([
      'SEARCH ledger_grants USING COVERING INDEX ledger_grants_org (org_id=?)',
    ]);
    expect(readPlan(database, statements.selectOrgCharged.source, 'org-a')).toEqual([
      'SEARCH ledger_org_totals USING PRIMARY KEY (org_id=?)',
    ]);
  });
});
