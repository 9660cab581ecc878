import type { InvariantResult } from '../../ledger-types.js';
import type { InvariantFailures } from '../../verify-shared/create-invariant-result.js';
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
import type { PostgresVerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

// Each sum repeats the WHERE term of a partial unique index, so it is an index lookup, not a scan.
const sumOf = (kind: 'charge' | 'provider_cost'): string =>
  `(SELECT COALESCE(SUM(p.amount), 0)::bigint FROM ledger_postings p WHERE ${
    kind === 'charge' ? "p.kind IN ('hold', 'top_up', 'charge', 'release', 'expire') AND " : ''
  }p.kind = '${kind}' AND p.request_id = g.id)`;
const hasHold = 'EXISTS (SELECT 1 FROM ledger_holds h WHERE h.request_id = g.id)';

/** A provider cost is an expense of inference when the customer paid for the request and of insurance when not. */
const misbookedCostsSql = `
  SELECT p.id, p.request_id, p.debit_account FROM ledger_postings p JOIN ledger_holds h ON h.request_id = p.request_id
  WHERE p.kind = 'provider_cost' AND p.debit_account <> CASE WHEN h.status = 'posted' AND h.charged_nanos > 0
    THEN 'platform:inference_cost' ELSE 'platform:insurance_expense' END ORDER BY p.id`;

/**
 * Checks each generation paid through the ledger, that answers from the response cache moved no money, and that each
 * settlement owing something has its record; returns how
 * many were skipped (no hold and not from the cache: before the ledger).
 */
async function checkGenerations(context: PostgresVerifyContext, result: InvariantFailures): Promise<bigint> {
  const rows = await queryRows<GenerationCharges>(
    context,
    `SELECT g.id, g.cost_nanos, g.upstream_cost_nanos, ${sumOf('charge')} AS charged, ${sumOf('provider_cost')} AS provider
     FROM generations g WHERE ${hasHold} ORDER BY g.id COLLATE "C"`,
  );
  findUsageFailures(rows, result);
  findCacheFailures(
    await queryRows<CachedGenerationRow>(
      context,
      `SELECT g.id, g.cost_nanos, g.upstream_cost_nanos, ${hasHold} AS has_hold FROM generations g
       WHERE ${brokenCacheGenerationsWhere(hasHold)} ORDER BY g.id COLLATE "C"`,
    ),
    result,
  );
  if (context.recordsKeptSinceMs !== undefined) {
    findUnrecordedSettlementFailures(
      await queryRows<UnrecordedSettlement>(
        context,
        `${unrecordedSettlementsSql('$1')} ORDER BY h.request_id COLLATE "C"`,
        [context.recordsKeptSinceMs],
      ),
      result,
    );
  }
  const [skipped] = await queryRows<{ count: bigint }>(
    context,
    `SELECT COUNT(*) AS count FROM generations g WHERE NOT ${hasHold} AND g.ending <> 'cache'`,
  );
  return skipped?.count ?? 0n;
}

/**
 * INV-4 No lost usage, as far as the store can tell: for every generation paid through the ledger (its id has a
 * hold), the customer charge posted equals `cost_nanos` and, when `upstream_cost_nanos > 0`, its provider costs add
 * up to it; each hold settled with a charge or a provider cost has its generation record (unless retention may have
 * purged it); each provider cost is booked against the right expense. Generations without a hold predate the ledger
 * and are skipped (counted in the note). A schema without the generations table (the ledger alone) has none.
 */
export async function checkNoLostUsage(context: PostgresVerifyContext): Promise<InvariantResult> {
  const result = createInvariantResult('INV-4', 'No lost usage');
  const [table] = await queryRows<{ has_generations: boolean }>(
    context,
    "SELECT to_regclass('generations') IS NOT NULL AS has_generations",
  );
  const skippedCount = table?.has_generations === true ? await checkGenerations(context, result) : 0n;
  const misbooked = await queryRows<{ id: bigint; request_id: string; debit_account: string }>(
    context,
    misbookedCostsSql,
  );
  for (const row of misbooked) {
    result.fail(`provider cost #${row.id} of request ${row.request_id} is booked to ${row.debit_account}`);
  }
  return result.finish(
    skippedCount > 0n ? `${skippedCount} generation(s) without a hold predate the ledger and were skipped` : undefined,
  );
}
