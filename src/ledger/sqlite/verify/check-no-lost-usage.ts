import type { InvariantResult } from '../../ledger-types.js';
import { createInvariantResult } from '../../verify-shared/create-invariant-result.js';
import type { GenerationCharges } from '../../verify-shared/find-usage-failures.js';
import { findUsageFailures } from '../../verify-shared/find-usage-failures.js';
import type { CachedGenerationRow } from '../../verify-shared/find-cache-failures.js';
import { brokenCacheGenerationsWhere, findCacheFailures } from '../../verify-shared/find-cache-failures.js';
import type { UnrecordedSettlement } from '../../verify-shared/find-unrecorded-settlements.js';
import {
  findUnrecordedSettlementFailures,
  unrecordedSettlementsSql,
} from '../../verify-shared/find-unrecorded-settlements.js';
import type { VerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

// One kind implies the WHERE term of its partial unique index, so each sum is an index lookup, not a scan.
const sumOf = (kind: 'charge' | 'provider_cost'): string =>
  `(SELECT COALESCE(SUM(p.amount), 0) FROM ledger_postings p WHERE p.kind = '${kind}' AND p.request_id = g.id)`;
const hasHold = 'EXISTS (SELECT 1 FROM ledger_holds h WHERE h.request_id = g.id)';

/**
 * A provider cost is an expense of inference when the customer paid for the request and
 * of insurance when not (charged 0, or the hold expired).
 */
const misbookedCostsSql = `
  SELECT p.id, p.request_id, p.debit_account FROM ledger_postings p JOIN ledger_holds h ON h.request_id = p.request_id
  WHERE p.kind = 'provider_cost' AND p.debit_account <> CASE WHEN h.status = 'posted' AND h.charged_nanos > 0
    THEN 'platform:inference_cost' ELSE 'platform:insurance_expense' END ORDER BY p.id`;

/**
 * INV-4 No lost usage, as far as the store can tell: for every generation paid through
 * the ledger (its id has a hold), the customer charge posted equals `cost_nanos` (none
 * when 0) and, when `upstream_cost_nanos > 0`, its provider costs add up to it; each hold
 * settled with a charge or a provider cost has its generation record (unless retention may have purged it); each
 * provider cost is booked against the right expense. Answers served from the response cache
 * (ending `cache`) must have cost 0, upstream cost 0 and no hold. Other generations without a hold predate the ledger
 * and are skipped (counted in the note).
 */
export function checkNoLostUsage(context: VerifyContext): InvariantResult {
  const result = createInvariantResult('INV-4', 'No lost usage');
  const rows = queryRows<GenerationCharges>(
    context.database,
    `SELECT g.id, g.cost_nanos, g.upstream_cost_nanos, ${sumOf('charge')} AS charged, ${sumOf('provider_cost')} AS provider
     FROM generations g WHERE ${hasHold} ORDER BY g.id`,
  );
  findUsageFailures(rows, result);
  const misbooked = queryRows<{ id: bigint; request_id: string; debit_account: string }>(
    context.database,
    misbookedCostsSql,
  );
  for (const row of misbooked) {
    result.fail(`provider cost #${row.id} of request ${row.request_id} is booked to ${row.debit_account}`);
  }
  findCacheFailures(
    queryRows<CachedGenerationRow>(
      context.database,
      `SELECT g.id, g.cost_nanos, g.upstream_cost_nanos, ${hasHold} AS has_hold FROM generations g
       WHERE ${brokenCacheGenerationsWhere(hasHold)} ORDER BY g.id`,
    ),
    result,
  );
  if (context.recordsKeptSinceMs !== undefined) {
    findUnrecordedSettlementFailures(
      queryRows<UnrecordedSettlement>(
        context.database,
        `${unrecordedSettlementsSql('?')} ORDER BY h.request_id`,
        context.recordsKeptSinceMs,
      ),
      result,
    );
  }
  const [skipped] = queryRows<{ count: bigint }>(
    context.database,
    `SELECT COUNT(*) AS count FROM generations g WHERE NOT ${hasHold} AND g.ending <> 'cache'`,
  );
  const skippedCount = skipped?.count ?? 0n;
  return result.finish(
    skippedCount > 0n ? `${skippedCount} generation(s) without a hold predate the ledger and were skipped` : undefined,
  );
}
