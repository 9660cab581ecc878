import { strict as assert } from 'node:assert';
import type { Pool, PoolClient } from 'pg';
import { withTransaction } from '../../storage/postgres/with-transaction.js';
import { ledgerAccounts } from '../ledger-accounts.js';
import type { HoldRow } from '../sqlite/ledger-rows.js';
import { buildAppendPostingsSql, convertPostingDrafts } from './append-postings.js';

/** Any constant: one reconciler sweep at a time across all nodes (ADR 2026-11-30-cluster-storage, decision 4). */
const reconcileLockId = 7_240_419_003;

const holdColumns =
  'request_id, org_id, key_id, amount, status, created_at_ms, expires_at_ms, resolved_at_ms, charged_nanos';

/**
 * Expires the locked holds: each goes back whole (held → available), its key's active total drops by it, and one
 * `expire` posting per hold above 0. Parameters: $1 now, $2 request ids, $3/$4 org ids and totals, $5/$6 key ids and
 * totals, $7… the postings.
 */
const expireSql = `
  WITH
  hold_write AS (
    UPDATE ledger_holds SET status = 'expired', resolved_at_ms = $1::bigint, charged_nanos = 0
    WHERE request_id = ANY($2::text[]) AND status = 'active'
    RETURNING 1
  ),
  org_write AS (
    UPDATE ledger_org_balances o
    SET available_nanos = o.available_nanos + u.amount, held_nanos = o.held_nanos - u.amount
    FROM unnest($3::text[], $4::bigint[]) AS u(org_id, amount)
    WHERE o.org_id = u.org_id
  ),
  key_write AS (
    UPDATE ledger_key_totals k SET held_nanos = k.held_nanos - u.amount
    FROM unnest($5::text[], $6::bigint[]) AS u(key_id, amount)
    WHERE k.key_id = u.key_id
  ),
  ${buildAppendPostingsSql(7, 1)}
  SELECT (SELECT count(*) FROM hold_write)::integer AS expired_count`;

/** Moves every committed platform delta into its account's folded balance, in one statement. */
const foldDeltasSql = `
  WITH moved AS (DELETE FROM ledger_balance_deltas RETURNING account, delta),
  totals AS (SELECT account, SUM(delta)::bigint AS total FROM moved GROUP BY account)
  INSERT INTO ledger_balances AS b (account, balance) SELECT account, total FROM totals
  ON CONFLICT (account) DO UPDATE SET balance = b.balance + EXCLUDED.balance`;

/** The holds' amounts summed per org or key (free holds, of 0, move nothing), as two arrays for `unnest`. */
function sumBy(holds: readonly HoldRow[], keyOf: (hold: HoldRow) => string): [string[], bigint[]] {
  const totals = new Map<string, bigint>();
  for (const hold of holds) {
    if (hold.amount > 0n) totals.set(keyOf(hold), (totals.get(keyOf(hold)) ?? 0n) + hold.amount);
  }
  return [[...totals.keys()], [...totals.values()]];
}

/**
 * Locks what the sweep will move, in the order every ledger writer follows (org rows, then holds): the orgs of the
 * due holds in id order, then the due holds still active, skipping any a settlement has locked (that settlement
 * resolves it; if it rolls back, the next sweep takes the hold).
 */
async function lockDueHolds(client: PoolClient, dueAtOrBeforeMs: number): Promise<HoldRow[]> {
  const due = await client.query<{ request_id: string; org_id: string }>(
    "SELECT request_id, org_id FROM ledger_holds WHERE status = 'active' AND expires_at_ms <= $1",
    [dueAtOrBeforeMs],
  );
  if (due.rows.length === 0) return [];
  const orgIds = [...new Set(due.rows.map((row) => row.org_id))];
  await client.query(
    'SELECT 1 FROM ledger_org_balances WHERE org_id = ANY($1::text[]) ORDER BY org_id COLLATE "C" FOR UPDATE',
    [orgIds],
  );
  const { rows } = await client.query<HoldRow>(
    `SELECT ${holdColumns} FROM ledger_holds
     WHERE request_id = ANY($1::text[]) AND status = 'active' AND expires_at_ms <= $2
     ORDER BY expires_at_ms, request_id COLLATE "C" FOR UPDATE SKIP LOCKED`,
    [due.rows.map((row) => row.request_id), dueAtOrBeforeMs],
  );
  return rows;
}

/**
 * The reconciler's rule: an active hold whose `expiresAtMs + graceMs ≤ nowMs` was never settled, so its usage is
 * unknown; like a request without output it is charged 0, and the whole hold goes back to available. One
 * transaction per sweep, under an advisory lock so sweeps of several nodes run one after another (a dead node's
 * holds are expired once; the status check makes that exact anyway). The sweep also folds the platform accounts'
 * deltas into their balances.
 *
 * @returns how many holds expired.
 */
export async function expireHolds(pool: Pool, nowMs: number, graceMs: number): Promise<number> {
  assert.ok(Number.isSafeInteger(nowMs) && Number.isSafeInteger(graceMs) && graceMs >= 0, 'bad reconcile times');
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [reconcileLockId]);
    const holds = await lockDueHolds(client, nowMs - graceMs);
    if (holds.length > 0) {
      const drafts = holds
        .filter((hold) => hold.amount > 0n)
        .map((hold) => ({
          transferId: `expire:${hold.request_id}`,
          debitAccount: ledgerAccounts.orgHeld(hold.org_id),
          creditAccount: ledgerAccounts.orgAvailable(hold.org_id),
          amount: hold.amount,
          kind: 'expire' as const,
          requestId: hold.request_id,
          attemptId: null,
          keyId: hold.key_id,
        }));
      const { rows } = await client.query<{ expired_count: number }>(expireSql, [
        nowMs,
        holds.map((hold) => hold.request_id),
        ...sumBy(holds, (hold) => hold.org_id),
        ...sumBy(holds, (hold) => hold.key_id),
        ...convertPostingDrafts(drafts),
      ]);
      assert.equal(rows[0]?.expired_count, holds.length, 'a hold changed under the reconciler');
    }
    await client.query(foldDeltasSql);
    return holds.length;
  });
}
