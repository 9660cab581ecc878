import type { InvariantResult } from '../../ledger-types.js';
import type { InvariantFailures } from '../../verify-shared/create-invariant-result.js';
import { createInvariantResult } from '../../verify-shared/create-invariant-result.js';
import type { LeakedHold } from '../../verify-shared/find-holds-drain-failures.js';
import { findHoldsDrainFailures } from '../../verify-shared/find-holds-drain-failures.js';
import type { PostgresVerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

/** Each key's cached active total (what admission reads under the org lock) against its active holds. */
async function checkKeyHeld(context: PostgresVerifyContext, result: InvariantFailures): Promise<void> {
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
  const leaked = await queryRows<LeakedHold>(
    context,
    `SELECT request_id, org_id, expires_at_ms FROM ledger_holds WHERE status = 'active' AND expires_at_ms < $1
     ORDER BY expires_at_ms, request_id COLLATE "C"`,
    [context.nowMs - context.graceMs],
  );
  const activeByOrg = new Map<string, bigint>();
  for (const row of await queryRows<{ org_id: string; total: bigint }>(
    context,
    "SELECT org_id, SUM(amount)::bigint AS total FROM ledger_holds WHERE status = 'active' GROUP BY org_id",
  )) {
    activeByOrg.set(row.org_id, row.total);
  }
  findHoldsDrainFailures(context, leaked, activeByOrg, result);
  await checkKeyHeld(context, result);
  return result.finish();
}
