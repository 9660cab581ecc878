import { strict as assert } from 'node:assert';
import { ledgerAccounts } from '../ledger-accounts.js';
import { appendPosting } from './append-posting.js';
import type { HoldRow } from './ledger-rows.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';

/**
 * The reconciler's rule (run inside a transaction by the caller): an active hold whose
 * `expiresAtMs + graceMs ≤ nowMs` was never settled, so its usage is unknown; like a
 * request without output it is charged 0, and the whole hold goes back to available.
 *
 * @returns how many holds expired.
 */
export function expireHolds(statements: LedgerStatements, nowMs: number, graceMs: number): number {
  assert.ok(Number.isSafeInteger(nowMs) && Number.isSafeInteger(graceMs) && graceMs >= 0, 'bad reconcile times');
  const due = statements.selectDueHolds.all(nowMs - graceMs);
  for (const hold of due) {
    if (hold.amount > 0n) expireHold(statements, hold, nowMs);
    const changes = statements.resolveHold.run('expired', nowMs, 0n, hold.request_id).changes;
    assert.equal(changes, 1, `hold ${hold.request_id} changed under the reconciler`);
  }
  return due.length;
}

function expireHold(statements: LedgerStatements, hold: HoldRow, nowMs: number): void {
  appendPosting(statements, {
    transferId: `expire:${hold.request_id}`,
    debitAccount: ledgerAccounts.orgHeld(hold.org_id),
    creditAccount: ledgerAccounts.orgAvailable(hold.org_id),
    amount: hold.amount,
    kind: 'expire',
    requestId: hold.request_id,
    keyId: hold.key_id,
    createdAtMs: nowMs,
  });
}
