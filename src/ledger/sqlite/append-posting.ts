import { strict as assert } from 'node:assert';
import { assertNanos } from '../assert-nanos.js';
import { ledgerAccounts } from '../ledger-accounts.js';
import type { Nanos, PostingKind } from '../ledger-types.js';
import { addDelta, addKeyDayDelta, createBalanceDeltas } from './balance-deltas.js';
import type { BalanceDeltas } from './balance-deltas.js';
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
 * and the caches commit together or not at all. Inside {@link deferBalanceWrites} the caches move at the end of
 * the batch, once per row.
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
  const deltas = statements.deferred.current;
  if (deltas !== undefined) return deferPosting(deltas, posting);
  addToBalance(statements, posting.debitAccount, -posting.amount);
  addToBalance(statements, posting.creditAccount, posting.amount);
  if (posting.kind === 'charge') addCharge(statements, posting);
}

function chargedOrgId(posting: NewPosting): string {
  const org = ledgerAccounts.parseOrg(posting.debitAccount);
  if (org?.side !== 'held') assert.fail(`a charge is debited from an org's held account, not ${posting.debitAccount}`);
  return org.orgId;
}

function addCharge(statements: LedgerStatements, posting: NewPosting): void {
  statements.addOrgCharged.run(chargedOrgId(posting), posting.amount);
  if (posting.keyId !== undefined) {
    statements.addKeySpendDay.run(posting.keyId, findDayStartMs(posting.createdAtMs), posting.amount);
  }
}

function deferPosting(deltas: BalanceDeltas, posting: NewPosting): void {
  addDelta(deltas.byAccount, posting.debitAccount, -posting.amount);
  addDelta(deltas.byAccount, posting.creditAccount, posting.amount);
  if (posting.kind !== 'charge') return;
  addDelta(deltas.chargedByOrg, chargedOrgId(posting), posting.amount);
  if (posting.keyId !== undefined) {
    addKeyDayDelta(deltas, posting.keyId, findDayStartMs(posting.createdAtMs), posting.amount);
  }
}

/**
 * Runs `work` (a batch of postings, inside the caller's transaction) with the cached totals moved once per row at
 * its end instead of once per posting: a group commit of 30 calls writes the org's two balances twice, not 120
 * times. Balances read inside see the batch's deltas ({@link readBalance}). If `work` throws, the deltas are
 * dropped with it: the caller's transaction rolls the postings back too. Inside another such batch it joins it.
 */
export function deferBalanceWrites<T>(statements: LedgerStatements, work: () => T): T {
  if (statements.deferred.current !== undefined) return work();
  const deltas = createBalanceDeltas();
  statements.deferred.current = deltas;
  try {
    const result = work();
    statements.deferred.current = undefined;
    writeBalanceDeltas(statements, deltas);
    return result;
  } finally {
    statements.deferred.current = undefined;
  }
}

function writeBalanceDeltas(statements: LedgerStatements, deltas: BalanceDeltas): void {
  // A row a batch moved to where it was (an org's held credit, held and settled in one batch) is not written.
  for (const [account, delta] of deltas.byAccount) if (delta !== 0n) addToBalance(statements, account, delta);
  for (const [orgId, amount] of deltas.chargedByOrg) statements.addOrgCharged.run(orgId, amount);
  for (const day of deltas.chargedByKeyDay.values()) {
    statements.addKeySpendDay.run(day.keyId, day.dayStartMs, day.amount);
  }
}

/** An account's balance, including what the batch being written has moved and not yet written. */
export function readBalance(statements: LedgerStatements, account: string): Nanos {
  const stored = statements.selectBalance.get(account)?.balance ?? 0n;
  return stored + (statements.deferred.current?.byAccount.get(account) ?? 0n);
}

function addToBalance(statements: LedgerStatements, account: string, delta: Nanos): void {
  if (statements.addToBalance.run(delta, account).changes === 0) statements.insertBalance.run(account, delta);
}

/** A SUM(...) row, 0n when the aggregate row is missing. */
export function readTotal(row: { readonly total: bigint } | undefined): Nanos {
  return row?.total ?? 0n;
}
