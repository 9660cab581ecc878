import { strict as assert } from 'node:assert';
import { assertNanos } from '../assert-nanos.js';
import { ledgerAccounts } from '../ledger-accounts.js';
import { balanceNanosMax, LedgerRefusal } from '../ledger-refusal.js';
import type { Nanos } from '../ledger-types.js';
import { appendPosting, readBalance } from './append-posting.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';

export interface GrantInput {
  readonly grantId: string;
  readonly orgId: string;
  readonly amount: Nanos;
  readonly nowMs: number;
}

/** Refuses a grant that would move an account's balance past {@link balanceNanosMax} either way. */
function assertWithinBalanceLimit(statements: LedgerStatements, account: string, amount: Nanos): void {
  const balance = readBalance(statements, account);
  const magnitude = balance < 0n ? -balance : balance;
  if (magnitude + amount > balanceNanosMax) {
    throw new LedgerRefusal(
      'balance_limit',
      `This grant would take ${account} past the largest balance the ledger holds (9,000,000,000 USD).`,
    );
  }
}

/**
 * Credits an org once per `grantId` (platform:grants → org available). A repeat posts
 * nothing and returns false; a repeat with another org or amount is refused
 * ({@link LedgerRefusal} `grant_conflict`) rather than silently ignored.
 */
export function grantCredit(statements: LedgerStatements, input: GrantInput): boolean {
  assert.ok(input.grantId.length > 0, 'grantId must not be empty');
  assertNanos('grant amount', input.amount, 1n);
  const isNew = statements.insertGrant.run(input.grantId, input.orgId, input.amount, input.nowMs).changes === 1;
  if (!isNew) {
    const existing = statements.selectGrant.get(input.grantId);
    assert.ok(existing !== undefined, `grant ${input.grantId} vanished`);
    if (existing.org_id !== input.orgId || existing.amount !== input.amount) {
      throw new LedgerRefusal(
        'grant_conflict',
        `grant_id '${input.grantId}' was already used for another org or amount.`,
      );
    }
    return false;
  }
  assertWithinBalanceLimit(statements, ledgerAccounts.grants, input.amount);
  assertWithinBalanceLimit(statements, ledgerAccounts.orgAvailable(input.orgId), input.amount);
  appendPosting(statements, {
    transferId: `grant:${input.grantId}`,
    debitAccount: ledgerAccounts.grants,
    creditAccount: ledgerAccounts.orgAvailable(input.orgId),
    amount: input.amount,
    kind: 'grant',
    createdAtMs: input.nowMs,
  });
  return true;
}
