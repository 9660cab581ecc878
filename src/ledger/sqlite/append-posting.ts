import { strict as assert } from 'node:assert';
import { assertNanos } from '../assert-nanos.js';
import { ledgerAccounts } from '../ledger-accounts.js';
import type { Nanos, PostingKind } from '../ledger-types.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';

export interface NewPosting {
  readonly transferId: string;
  readonly debitAccount: string;
  readonly creditAccount: string;
  readonly amount: Nanos;
  readonly kind: PostingKind;
  readonly requestId?: string;
  readonly attemptId?: string;
  readonly keyId?: string;
  readonly createdAtMs: number;
}

const dayMs = 86_400_000;

/** The UTC day a time falls in (key limit windows start on UTC day boundaries). */
export function findDayStartMs(timeMs: number): number {
  return Math.floor(timeMs / dayMs) * dayMs;
}

/**
 * Appends one posting and moves the two cached balances (and, for a charge, the key's
 * day bucket and the org's charged total) by its amount. Must run inside the caller's transaction, so the posting
 * and the caches commit together or not at all.
 */
export function appendPosting(statements: LedgerStatements, posting: NewPosting): void {
  assertNanos(`${posting.kind} amount`, posting.amount, 1n);
  assert.ok(Number.isSafeInteger(posting.createdAtMs), 'createdAtMs must be an integer');
  statements.insertPosting.run(
    posting.transferId,
    posting.debitAccount,
    posting.creditAccount,
    posting.amount,
    posting.kind,
    posting.requestId ?? null,
    posting.attemptId ?? null,
    posting.keyId ?? null,
    posting.createdAtMs,
  );
  addToBalance(statements, posting.debitAccount, -posting.amount);
  addToBalance(statements, posting.creditAccount, posting.amount);
  if (posting.kind === 'charge') addCharge(statements, posting);
}

function addCharge(statements: LedgerStatements, posting: NewPosting): void {
  const org = ledgerAccounts.parseOrg(posting.debitAccount);
  assert.ok(org?.side === 'held', `a charge is debited from an org's held account, not ${posting.debitAccount}`);
  statements.addOrgCharged.run(org.orgId, posting.amount);
  if (posting.keyId !== undefined) {
    statements.addKeySpendDay.run(posting.keyId, findDayStartMs(posting.createdAtMs), posting.amount);
  }
}

function addToBalance(statements: LedgerStatements, account: string, delta: Nanos): void {
  if (statements.addToBalance.run(delta, account).changes === 0) statements.insertBalance.run(account, delta);
}

/** A SUM(...) row, 0n when the aggregate row is missing. */
export function readTotal(row: { readonly total: bigint } | undefined): Nanos {
  return row?.total ?? 0n;
}
