import type { OrgFlowRow, OrgFlows } from '../../verify-shared/sum-org-flows.js';
import { sumOrgFlows } from '../../verify-shared/sum-org-flows.js';
import type { PostgresVerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

/** Per-org totals of the postings that cross an org's boundary (grants and refunds in, charges out), by org id. */
export async function readOrgFlows(context: PostgresVerifyContext): Promise<Map<string, OrgFlows>> {
  const rows = await queryRows<OrgFlowRow>(
    context,
    `SELECT kind, debit_account, credit_account, SUM(amount)::bigint AS total FROM ledger_postings
     WHERE kind IN ('grant', 'refund', 'charge') GROUP BY kind, debit_account, credit_account`,
  );
  return sumOrgFlows(rows);
}
