import type { InvariantFailures } from './create-invariant-result.js';

/**
 * A credit code and its grant (`code:<digest>`) that disagree, as each driver reads them: `amount` is null for a code
 * grant with no code, the grant's columns null for a redeemed code with no grant.
 */
export interface CreditCodeRow {
  readonly digest: string;
  readonly redeemed_by_org: string | null;
  readonly amount: bigint | null;
  readonly grant_org_id: string | null;
  readonly grant_amount: bigint | null;
}

/**
 * Codes whose redemption and grant disagree: redeemed without their grant, granted to another org or amount, or
 * granted while not redeemed.
 */
export const mismatchedCodesSql = `
  SELECT c.digest, c.redeemed_by_org, c.amount, g.org_id AS grant_org_id, g.amount AS grant_amount
  FROM credit_codes c LEFT JOIN ledger_grants g ON g.grant_id = 'code:' || c.digest
  WHERE CASE WHEN c.redeemed_by_org IS NULL THEN g.grant_id IS NOT NULL
    ELSE g.grant_id IS NULL OR g.org_id <> c.redeemed_by_org OR g.amount <> c.amount END`;

/** Code grants whose code does not exist. */
export const codelessGrantsSql = `
  SELECT substr(g.grant_id, 6) AS digest, NULL AS redeemed_by_org, NULL AS amount, g.org_id AS grant_org_id,
    g.amount AS grant_amount
  FROM ledger_grants g WHERE substr(g.grant_id, 1, 5) = 'code:'
    AND NOT EXISTS (SELECT 1 FROM credit_codes c WHERE c.digest = substr(g.grant_id, 6))`;

/** INV-6's credit-code part: each redeemed code was granted once, to the org that redeemed it, for its amount. */
export function findCreditCodeFailures(rows: readonly CreditCodeRow[], result: InvariantFailures): void {
  for (const row of rows) result.fail(describeCreditCodeRow(row));
}

function describeCreditCodeRow(row: CreditCodeRow): string {
  const granted = `granted ${row.grant_amount} to org ${row.grant_org_id}`;
  if (row.amount === null)
    return `grant code:${row.digest} (${row.grant_amount} to org ${row.grant_org_id}) has no credit code`;
  if (row.redeemed_by_org === null) return `credit code ${row.digest} is not redeemed, but ${granted}`;
  const code = `credit code ${row.digest} redeemed by org ${row.redeemed_by_org} for ${row.amount}`;
  return row.grant_org_id === null ? `${code} has no grant` : `${code} is ${granted}`;
}
