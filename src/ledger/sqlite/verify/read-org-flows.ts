import type { OrgFlowRow, OrgFlows } from '../../verify-shared/sum-org-flows.js';
import { sumOrgFlows } from '../../verify-shared/sum-org-flows.js';
import type { VerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

/** Per-org totals of the postings that cross an org's boundary, keyed by org id. */
export function readOrgFlows(context: VerifyContext): Map<string, OrgFlows> {
  const rows = queryRows<OrgFlowRow>(
    context.database,
    `SELECT kind, debit_account, credit_account, SUM(amount) AS total FROM ledger_postings
     WHERE kind IN ('grant', 'refund', 'charge') GROUP BY kind, debit_account, credit_account`,
  );
  return sumOrgFlows(rows);
}
