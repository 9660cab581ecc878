import { nanosMax } from '../../assert-nanos.js';
import { ledgerAccounts } from '../../ledger-accounts.js';
import type { InvariantResult } from '../../ledger-types.js';
import { createInvariantResult } from '../../verify-shared/create-invariant-result.js';
import type { GenerationAmounts } from '../../verify-shared/find-generation-range-failures.js';
import {
  findGenerationRangeFailures,
  outOfRangeGenerationsSql,
} from '../../verify-shared/find-generation-range-failures.js';
import type { VerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

/**
 * INV-7 Sane amounts: no org account below zero; every posting, grant and key spend
 * amount in [1, 1e18] nanos, every hold in [0, 1e18] (0 for a free request), and a
 * hold's charge within [0, its amount]. The schema's CHECKs refuse all of these; this
 * catches a database written with them bypassed.
 */
export function checkSaneAmounts(context: VerifyContext): InvariantResult {
  const result = createInvariantResult('INV-7', 'Sane amounts');
  for (const [account, balance] of context.cachedBalances) {
    if (ledgerAccounts.parseOrg(account) !== undefined && balance < 0n)
      result.fail(`${account} is negative: ${balance}`);
  }
  const outOfRange = (table: string, id: string, column: string, min: 0n | 1n): void => {
    const rows = queryRows<{ id: string | bigint; amount: bigint }>(
      context.database,
      `SELECT ${id} AS id, ${column} AS amount FROM ${table} WHERE ${column} < ? OR ${column} > ? ORDER BY ${id}`,
      min,
      nanosMax,
    );
    for (const row of rows) result.fail(`${table} ${row.id}: ${column} ${row.amount} is outside [${min}, ${nanosMax}]`);
  };
  outOfRange('ledger_postings', 'id', 'amount', 1n);
  outOfRange('ledger_holds', 'request_id', 'amount', 0n);
  outOfRange('ledger_grants', 'grant_id', 'amount', 1n);
  outOfRange('ledger_key_spend_days', "key_id || ' day ' || day_start_ms", 'charged_nanos', 1n);
  // A charge may exceed its hold only by the request's top-up (drawn from what was available at settlement). The
  // top-up is looked up through ledger_postings_once_per_request (one kind implies the index's WHERE term).
  const badCharges = queryRows<{ request_id: string; amount: bigint; charged_nanos: bigint }>(
    context.database,
    `SELECT h.request_id, h.amount, h.charged_nanos FROM ledger_holds h
     WHERE h.charged_nanos < 0 OR h.charged_nanos > h.amount + COALESCE(
       (SELECT SUM(p.amount) FROM ledger_postings p WHERE p.request_id = h.request_id
         AND p.kind = 'top_up'), 0)
     ORDER BY h.request_id`,
  );
  for (const row of badCharges)
    result.fail(`hold ${row.request_id} of ${row.amount} records a charge of ${row.charged_nanos}`);
  findGenerationRangeFailures(
    queryRows<GenerationAmounts>(context.database, `${outOfRangeGenerationsSql} ORDER BY id`),
    result,
  );
  return result.finish();
}
