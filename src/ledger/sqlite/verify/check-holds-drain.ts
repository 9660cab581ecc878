import type { InvariantResult } from '../../ledger-types.js';
import { createInvariantResult } from '../../verify-shared/create-invariant-result.js';
import type { LeakedHold } from '../../verify-shared/find-holds-drain-failures.js';
import { findHoldsDrainFailures } from '../../verify-shared/find-holds-drain-failures.js';
import type { VerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

/**
 * INV-5 Holds drain: no hold is still active after `expiresAtMs + graceMs` (the
 * reconciler resolves it at that instant, so a hold past it leaked), and each org's
 * held balance is exactly the sum of its active holds.
 */
export function checkHoldsDrain(context: VerifyContext): InvariantResult {
  const result = createInvariantResult('INV-5', 'Holds drain');
  const leaked = queryRows<LeakedHold>(
    context.database,
    "SELECT request_id, org_id, expires_at_ms FROM ledger_holds WHERE status = 'active' AND expires_at_ms < ? ORDER BY expires_at_ms, request_id",
    context.nowMs - context.graceMs,
  );
  const activeByOrg = new Map<string, bigint>();
  const activeRows = queryRows<{ org_id: string; total: bigint }>(
    context.database,
    "SELECT org_id, SUM(amount) AS total FROM ledger_holds WHERE status = 'active' GROUP BY org_id",
  );
  for (const row of activeRows) activeByOrg.set(row.org_id, row.total);
  findHoldsDrainFailures(context, leaked, activeByOrg, result);
  return result.finish();
}
