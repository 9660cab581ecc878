import { ledgerAccounts } from '../../ledger-accounts.js';
import type { InvariantResult } from '../../ledger-types.js';
import type { VerifyContext } from './verify-context.js';
import { compareTotals, createInvariantResult, queryRows } from './verify-context.js';

/**
 * INV-5 Holds drain: no hold is still active after `expiresAtMs + graceMs` (the
 * reconciler resolves it at that instant, so a hold past it leaked), and each org's
 * held balance is exactly the sum of its active holds.
 */
export function checkHoldsDrain(context: VerifyContext): InvariantResult {
  const result = createInvariantResult('INV-5', 'Holds drain');
  const leaked = queryRows<{ request_id: string; org_id: string; expires_at_ms: bigint }>(
    context.database,
    "SELECT request_id, org_id, expires_at_ms FROM ledger_holds WHERE status = 'active' AND expires_at_ms < ? ORDER BY expires_at_ms, request_id",
    context.nowMs - context.graceMs,
  );
  for (const row of leaked) {
    result.fail(
      `hold ${row.request_id} of org ${row.org_id} expired at ${row.expires_at_ms} and is still active ` +
        `${context.graceMs} ms of grace later (now ${context.nowMs})`,
    );
  }
  const activeByOrg = new Map<string, bigint>();
  const activeRows = queryRows<{ org_id: string; total: bigint }>(
    context.database,
    "SELECT org_id, SUM(amount) AS total FROM ledger_holds WHERE status = 'active' GROUP BY org_id",
  );
  for (const row of activeRows) activeByOrg.set(row.org_id, row.total);
  const heldByOrg = new Map<string, bigint>();
  for (const [account, balance] of context.cachedBalances) {
    const org = ledgerAccounts.parseOrg(account);
    if (org?.side === 'held') heldByOrg.set(org.orgId, balance);
  }
  compareTotals(activeByOrg, heldByOrg, (orgId, active, held) =>
    result.fail(`org ${orgId}: held balance ${held}, active holds add up to ${active}`),
  );
  return result.finish();
}
