import { strict as assert } from 'node:assert';
import type { PoolClient } from 'pg';
import { assertNanos } from '../assert-nanos.js';
import { ledgerAccounts } from '../ledger-accounts.js';
import { balanceNanosMax, LedgerRefusal } from '../ledger-refusal.js';
import type { Nanos } from '../ledger-types.js';
import { buildAppendPostingsSql, convertPostingDrafts } from './append-postings.js';

export interface GrantInput {
  readonly grantId: string;
  readonly orgId: string;
  readonly amount: Nanos;
  readonly nowMs: number;
}

/** Any constant: grants of every node take this transaction-level advisory lock, one grant at a time. */
const grantLockId = 7_240_419_002;

/** The cached balances a grant may not push past {@link balanceNanosMax}, the org's row locked first. */
const readGrantBalancesSql = `
  WITH org AS MATERIALIZED (SELECT available_nanos FROM ledger_org_balances WHERE org_id = $1 FOR UPDATE)
  SELECT
    COALESCE((SELECT available_nanos FROM org), 0) AS available,
    (COALESCE((SELECT balance FROM ledger_balances WHERE account = $2), 0)
      + COALESCE((SELECT SUM(delta) FROM ledger_balance_deltas WHERE account = $2), 0))::bigint AS grants`;

const applyGrantSql = `
  WITH org_write AS (
    INSERT INTO ledger_org_balances AS o (org_id, available_nanos, held_nanos, charged_nanos)
    VALUES ($1, $2::bigint, 0, 0)
    ON CONFLICT (org_id) DO UPDATE SET available_nanos = o.available_nanos + EXCLUDED.available_nanos
  ),
  ${buildAppendPostingsSql(4, 3)}
  SELECT 1`;

function assertWithinBalanceLimit(account: string, balance: Nanos, amount: Nanos): void {
  const magnitude = balance < 0n ? -balance : balance;
  if (magnitude + amount > balanceNanosMax) {
    throw new LedgerRefusal(
      'balance_limit',
      `This grant would take ${account} past the largest balance the ledger holds (9,000,000,000 USD).`,
    );
  }
}

/**
 * Credits an org once per `grantId` (platform:grants → org available), inside the caller's transaction. A repeat
 * posts nothing and returns false; a repeat with another org or amount is refused ({@link LedgerRefusal}
 * `grant_conflict`), as is a grant past the balance limit (the caller's transaction must then roll back).
 *
 * Several nodes: grants serialise on an advisory lock (they are rare), so the platform:grants limit is checked on
 * a balance no other grant is moving; the grant id's primary key makes a repeat post nothing; the org's row is
 * locked before it is read and moved, after the advisory lock (every writer locks an org row before its hold and key
 * rows, and none holds one while waiting for this lock).
 */
export async function grantCreditInTransaction(client: PoolClient, input: GrantInput): Promise<boolean> {
  assert.ok(input.grantId.length > 0, 'grantId must not be empty');
  assertNanos('grant amount', input.amount, 1n);
  await client.query('SELECT pg_advisory_xact_lock($1)', [grantLockId]);
  const inserted = await client.query(
    `INSERT INTO ledger_grants (grant_id, org_id, amount, created_at_ms) VALUES ($1, $2, $3, $4)
     ON CONFLICT (grant_id) DO NOTHING`,
    [input.grantId, input.orgId, input.amount, input.nowMs],
  );
  if (inserted.rowCount !== 1) {
    const { rows } = await client.query<{ org_id: string; amount: bigint }>(
      'SELECT org_id, amount FROM ledger_grants WHERE grant_id = $1',
      [input.grantId],
    );
    const existing = rows[0];
    assert.ok(existing !== undefined, `grant ${input.grantId} vanished`);
    if (existing.org_id !== input.orgId || existing.amount !== input.amount) {
      throw new LedgerRefusal(
        'grant_conflict',
        `grant_id '${input.grantId}' was already used for another org or amount.`,
      );
    }
    return false;
  }
  const { rows } = await client.query<{ available: bigint; grants: bigint }>(readGrantBalancesSql, [
    input.orgId,
    ledgerAccounts.grants,
  ]);
  const balances = rows[0] ?? { available: 0n, grants: 0n };
  assertWithinBalanceLimit(ledgerAccounts.grants, balances.grants, input.amount);
  assertWithinBalanceLimit(ledgerAccounts.orgAvailable(input.orgId), balances.available, input.amount);
  const postings = convertPostingDrafts([
    {
      transferId: `grant:${input.grantId}`,
      debitAccount: ledgerAccounts.grants,
      creditAccount: ledgerAccounts.orgAvailable(input.orgId),
      amount: input.amount,
      kind: 'grant',
      requestId: null,
      attemptId: null,
      keyId: null,
    },
  ]);
  await client.query(applyGrantSql, [input.orgId, input.amount, input.nowMs, ...postings]);
  return true;
}
