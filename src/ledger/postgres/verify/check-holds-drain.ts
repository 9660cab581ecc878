import { ledgerAccounts } from '../../ledger-accounts.js';
import type { InvariantResult } from '../../ledger-types.js';
import { compareTotals, createInvariantResult } from '../../sqlite/verify/verify-context.js';
import type { PostgresVerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

type Failures = ReturnType<typeof createInvariantResult>;

/** Each key's cached active total (what admission reads under the org lock) against its active holds. */
async function checkKeyHeld(context: PostgresVerifyContext, result: Failures): Promise<void> {
  const rows = await queryRows<{ key_id: string; cached: bigint | null; active: bigint | null }>(
    context,
    `SELECT COALESCE(k.key_id, a.key_id) AS key_id, k.held_nanos AS cached, a.total AS active
     FROM ledger_key_totals k FULL JOIN (
       SELECT key_id, SUM(amount)::bigint AS total FROM ledger_holds WHERE status = 'active' GROUP BY key_id
     ) AS a ON a.key_id = k.key_id
     WHERE COALESCE(k.held_nanos, 0) <> COALESCE(a.total, 0) ORDER BY COALESCE(k.key_id, a.key_id) COLLATE "C"`,
  );
  for (const row of rows) {
    result.fail(`key ${row.key_id}: held total ${row.cached ?? 0n}, active holds add up to ${row.active ?? 0n}`);
  }
}

/**
 * INV-5 Holds drain: no hold is still active after `expiresAtMs + graceMs` (the reconciler resolves it at that
 * instant, so a hold past it leaked), and each org's held balance, and each key's cached held total, is exactly the
 * sum of its active holds.
 */
export async function checkHoldsDrain(context: PostgresVerifyContext): Promise<InvariantResult> {
  const result = createInvariantResult('INV-5', 'Holds drain');
  const leaked = await queryRows<{ request_id: string; org_id: string; expires_at_ms: bigint }>(
    context,
    `SELECT request_id, org_id, expires_at_ms FROM ledger_holds WHERE status = 'active' AND expires_at_ms < $1
     ORDER BY expires_at_ms, request_id COLLATE "C"`,
    [context.nowMs - context.graceMs],
  );
  for (const row of leaked) {
    result.fail(
      `hold ${row.request_id} of org ${row.org_id} expired at ${row.expires_at_ms} and is still active ` +
        `${context.graceMs} ms of grace later (now ${context.nowMs})`,
    );
  }
  const activeByOrg = new Map<string, bigint>();
  for (const row of await queryRows<{ org_id: string; total: bigint }>(
    context,
    "SELECT org_id, SUM(amount)::bigint AS total FROM ledger_holds WHERE status = 'active' GROUP BY org_id",
  )) {
    activeByOrg.set(row.org_id, row.total);
  }
  const heldByOrg = new Map<string, bigint>();
  for (const [account, balance] of context.cachedBalances) {
    const org = ledgerAccounts.parseOrg(account);
    if (org?.side === 'held') heldByOrg.set(org.orgId, balance);
  }
  compareTotals(activeByOrg, heldByOrg, (orgId, active, held) =>
    result.fail(`org ${orgId}: held balance ${held}, active holds add up to ${active}`),
  );
  await checkKeyHeld(context, result);
  return result.finish();
}
