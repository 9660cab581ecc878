import { ledgerAccounts } from '../../ledger-accounts.js';
import type { VerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

/** What entered and left each org's accounts from outside: grants and refunds in, charges out. */
export interface OrgFlows {
  grantedNanos: bigint;
  refundedNanos: bigint;
  chargedNanos: bigint;
}

/** Per-org totals of the postings that cross an org's boundary, keyed by org id. */
export function readOrgFlows(context: VerifyContext): Map<string, OrgFlows> {
  const rows = queryRows<{ kind: string; debit_account: string; credit_account: string; total: bigint }>(
    context.database,
    `SELECT kind, debit_account, credit_account, SUM(amount) AS total FROM ledger_postings
     WHERE kind IN ('grant', 'refund', 'charge') GROUP BY kind, debit_account, credit_account`,
  );
  const flows = new Map<string, OrgFlows>();
  const flowsOf = (account: string): OrgFlows | undefined => {
    const org = ledgerAccounts.parseOrg(account);
    if (org === undefined) return undefined;
    const existing = flows.get(org.orgId);
    if (existing !== undefined) return existing;
    const created = { grantedNanos: 0n, refundedNanos: 0n, chargedNanos: 0n };
    flows.set(org.orgId, created);
    return created;
  };
  for (const row of rows) {
    const orgFlows = flowsOf(row.kind === 'charge' ? row.debit_account : row.credit_account);
    if (orgFlows === undefined) continue;
    if (row.kind === 'grant') orgFlows.grantedNanos += row.total;
    else if (row.kind === 'refund') orgFlows.refundedNanos += row.total;
    else orgFlows.chargedNanos += row.total;
  }
  return flows;
}
