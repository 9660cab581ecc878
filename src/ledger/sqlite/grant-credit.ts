import { strict as assert } from 'node:assert';
import { assertNanos } from '../assert-nanos.js';
import { ledgerAccounts } from '../ledger-accounts.js';
import type { Nanos } from '../ledger-types.js';
import { appendPosting } from './append-posting.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';

export interface GrantInput {
  readonly grantId: string;
  readonly orgId: string;
  readonly amount: Nanos;
  readonly nowMs: number;
}

/**
 * Credits an org once per `grantId` (platform:grants → org available). A repeat posts
 * nothing and returns false; a repeat with another org or amount is a caller bug (two
 * grants sharing an id) and throws rather than being silently ignored.
 */
export function grantCredit(statements: LedgerStatements, input: GrantInput): boolean {
  assert.ok(input.grantId.length > 0, 'grantId must not be empty');
  assertNanos('grant amount', input.amount, 1n);
  const isNew = statements.insertGrant.run(input.grantId, input.orgId, input.amount, input.nowMs).changes === 1;
  if (!isNew) {
    const existing = statements.selectGrant.get(input.grantId);
    assert.ok(
      existing !== undefined && existing.org_id === input.orgId && existing.amount === input.amount,
      `grant ${input.grantId} was already posted with another org or amount`,
    );
    return false;
  }
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
