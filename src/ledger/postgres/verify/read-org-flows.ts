import { ledgerAccounts } from '../../ledger-accounts.js';
import type { OrgFlows } from '../../sqlite/verify/read-org-flows.js';
import type { PostgresVerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

/** Per-org totals of the postings that cross an org's boundary (grants and refunds in, charges out), by org id. */
export async function readOrgFlows(context: PostgresVerifyContext): Promise<Map<string, OrgFlows>> {
  const rows = await queryRows<{ kind: string; debit_account: string; credit_account: string; total: bigint }>(
    context,
    `SELECT kind, debit_account, credit_account, SUM(amount)::bigint AS total FROM ledger_postings
     WHERE kind IN ('grant', 'refund', 'charge') GROUP BY kind, debit_account, credit_account`,
  );
  const flows = new Map<string, OrgFlows>();
  for (const row of rows) {
    const org = ledgerAccounts.parseOrg(row.kind === 'charge' ? row.debit_account : row.credit_account);
    if (org === undefined) continue;
    const orgFlows = flows.get(org.orgId) ?? { grantedNanos: 0n, refundedNanos: 0n, chargedNanos: 0n };
    flows.set(org.orgId, orgFlows);
    if (row.kind === 'grant') orgFlows.grantedNanos += row.total;
    else if (row.kind === 'refund') orgFlows.refundedNanos += row.total;
    else orgFlows.chargedNanos += row.total;
  }
  return flows;
}
