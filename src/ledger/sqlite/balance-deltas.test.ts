import { describe, expect, it } from 'vitest';
import { ledgerAccounts } from '../ledger-accounts.js';
import { appendPosting, deferBalanceWrites, readBalance } from './append-posting.js';
import { prepareLedgerStatements } from './prepare-ledger-statements.js';
import { createHoldInput, findFailingInvariants, openTestLedger } from './test-support.js';

const nowMs = 1_000_000;

function settleInput(requestId: string, chargeNanos: bigint) {
  return {
    requestId,
    chargeNanos,
    attemptCosts: [{ attemptId: `${requestId}-a1`, providerId: 'provider-a', amount: 40n }],
    nowMs: nowMs + 10,
  };
}

describe('deferBalanceWrites: a batch moves each cached total once', () => {
  it('holds and settles 30 calls in one batch with exact balances, org total and key day', () => {
    const { ledger, database } = openTestLedger(':memory:', { holdCommit: 'batched' });
    ledger.grant({ grantId: 'g1', orgId: 'org-a', amount: 1_000_000n, nowMs });
    const requestIds = Array.from({ length: 30 }, (_, index) => `req-${index}`);
    for (const requestId of requestIds)
      expect(ledger.placeHold(createHoldInput(requestId))).toEqual({ ok: true, amount: 1_000n });
    // Watch the cached-balance writes the batch makes.
    const balanceWrites: string[] = [];
    database.function('note_balance_write', (account: unknown) => {
      balanceWrites.push(String(account));
      return null;
    });
    database.exec(`CREATE TEMP TRIGGER watch_balance_updates AFTER UPDATE ON ledger_balances
      BEGIN SELECT note_balance_write(NEW.account); END;
      CREATE TEMP TRIGGER watch_balance_inserts AFTER INSERT ON ledger_balances
      BEGIN SELECT note_balance_write(NEW.account); END`);
    ledger.withPendingWritten(() => {
      for (const requestId of requestIds) ledger.settle(settleInput(requestId, 700n));
    });
    // org held went +30 000 then −30 000 (no write); available, revenue, inference cost, provider payable once each.
    expect(balanceWrites.sort()).toEqual(
      [
        ledgerAccounts.inferenceCost,
        ledgerAccounts.orgAvailable('org-a'),
        ledgerAccounts.providerPayable('provider-a'),
        ledgerAccounts.revenue,
      ].sort(),
    );
    expect(ledger.balance('org-a')).toEqual({
      availableNanos: 1_000_000n - 30n * 700n,
      heldNanos: 0n,
      grantedNanos: 1_000_000n,
      chargedNanos: 30n * 700n,
    });
    expect(ledger.keySpend('key-a', 0)).toEqual({ spentNanos: 30n * 700n, heldNanos: 0n });
    expect(findFailingInvariants(ledger, nowMs + 20, 0)).toEqual([]);
  });

  it('reads balances with the batch’s unwritten deltas, and drops them when the batch throws', () => {
    const { ledger, database } = openTestLedger();
    ledger.grant({ grantId: 'g1', orgId: 'org-a', amount: 5_000n, nowMs });
    const statements = prepareLedgerStatements(database);
    const available = ledgerAccounts.orgAvailable('org-a');
    const held = ledgerAccounts.orgHeld('org-a');
    const post = (id: string) =>
      appendPosting(statements, {
        transferId: `t-${id}`,
        debitAccount: available,
        creditAccount: held,
        amount: 1_200n,
        kind: 'hold',
        requestId: id,
        keyId: 'key-a',
        createdAtMs: nowMs,
      });
    const seen = database.transaction(() =>
      deferBalanceWrites(statements, () => {
        post('r1');
        post('r2');
        const inside = [readBalance(statements, available), statements.selectBalance.get(available)?.balance];
        return inside;
      }),
    )();
    expect(seen).toEqual([2_600n, 5_000n]);
    expect(readBalance(statements, available)).toBe(2_600n);
    expect(readBalance(statements, held)).toBe(2_400n);

    const failing = database.transaction(() =>
      deferBalanceWrites(statements, () => {
        post('r3');
        throw new Error('the batch failed');
      }),
    );
    expect(() => failing()).toThrow('the batch failed');
    expect(statements.deferred.current).toBeUndefined();
    expect(readBalance(statements, available)).toBe(2_600n);
    expect(database.prepare("SELECT COUNT(*) AS n FROM ledger_postings WHERE request_id = 'r3'").get()).toEqual({
      n: 0,
    });
  });
});
