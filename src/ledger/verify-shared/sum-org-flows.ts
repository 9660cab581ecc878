import { ledgerAccounts } from '../ledger-accounts.js';

/** What entered and left each org's accounts from outside: grants and refunds in, charges out. */
export interface OrgFlows {
  grantedNanos: bigint;
  refundedNanos: bigint;
  chargedNanos: bigint;
}

/** The grant, refund and charge postings summed per kind and pair of accounts, as each driver reads them. */
export interface OrgFlowRow {
  readonly kind: string;
  readonly debit_account: string;
  readonly credit_account: string;
  readonly total: bigint;
}

/** Per-org totals of the postings that cross an org's boundary, keyed by org id. */
export function sumOrgFlows(rows: readonly OrgFlowRow[]): Map<string, OrgFlows> {
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
