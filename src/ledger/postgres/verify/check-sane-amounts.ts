import { nanosMax } from '../../assert-nanos.js';
import { ledgerAccounts } from '../../ledger-accounts.js';
import type { InvariantResult } from '../../ledger-types.js';
import { createInvariantResult } from '../../verify-shared/create-invariant-result.js';
import type { GenerationAmounts } from '../../verify-shared/find-generation-range-failures.js';
import {
  findGenerationRangeFailures,
  outOfRangeGenerationsSql,
} from '../../verify-shared/find-generation-range-failures.js';
import type { PostgresVerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

/** The amount columns checked, each with the expression naming a row and how rows sort (constants, not input). */
const amountColumns = [
  { table: 'ledger_postings', id: 'id', order: 'id', column: 'amount', min: 1n },
  { table: 'ledger_holds', id: 'request_id', order: 'request_id COLLATE "C"', column: 'amount', min: 0n },
  { table: 'ledger_grants', id: 'grant_id', order: 'grant_id COLLATE "C"', column: 'amount', min: 1n },
  {
    table: 'ledger_key_spend_days',
    id: "key_id || ' day ' || day_start_ms",
    order: `(key_id || ' day ' || day_start_ms) COLLATE "C"`,
    column: 'charged_nanos',
    min: 1n,
  },
] as const;

/**
 * INV-7 Sane amounts: no org account below zero; every posting, grant and key spend amount in [1, 1e18] nanos, every
 * hold in [0, 1e18] (0 for a free request), a hold's charge within [0, its amount + its top-up], and each generation's
 * token counts within [0, one call's most (1e8)] and costs within [0, 1e18]. The schema's
 * CHECKs refuse all of these; this catches a database written with them bypassed.
 */
export async function checkSaneAmounts(context: PostgresVerifyContext): Promise<InvariantResult> {
  const result = createInvariantResult('INV-7', 'Sane amounts');
  for (const [account, balance] of context.cachedBalances) {
    if (ledgerAccounts.parseOrg(account) !== undefined && balance < 0n) {
      result.fail(`${account} is negative: ${balance}`);
    }
  }
  for (const { table, id, order, column, min } of amountColumns) {
    const rows = await queryRows<{ id: string | bigint; amount: bigint }>(
      context,
      `SELECT ${id} AS id, ${column} AS amount FROM ${table} WHERE ${column} < $1 OR ${column} > $2 ORDER BY ${order}`,
      [min, nanosMax],
    );
    for (const row of rows) result.fail(`${table} ${row.id}: ${column} ${row.amount} is outside [${min}, ${nanosMax}]`);
  }
  const badCharges = await queryRows<{ request_id: string; amount: bigint; charged_nanos: bigint }>(
    context,
    `SELECT h.request_id, h.amount, h.charged_nanos FROM ledger_holds h
     WHERE h.charged_nanos < 0 OR h.charged_nanos > h.amount + COALESCE(
       (SELECT SUM(p.amount) FROM ledger_postings p WHERE p.request_id = h.request_id
         AND p.kind IN ('hold', 'top_up', 'charge', 'release', 'expire') AND p.kind = 'top_up'), 0)
     ORDER BY h.request_id COLLATE "C"`,
  );
  for (const row of badCharges) {
    result.fail(`hold ${row.request_id} of ${row.amount} records a charge of ${row.charged_nanos}`);
  }
  findGenerationRangeFailures(
    await queryRows<GenerationAmounts>(context, `${outOfRangeGenerationsSql} ORDER BY id COLLATE "C"`),
    result,
  );
  return result.finish();
}
