import { ledgerAccounts } from '../ledger-accounts.js';
import { addTotal, compareTotals } from './compare-totals.js';
import type { InvariantFailures } from './create-invariant-result.js';

/** A grant row, as each driver reads it (ordered by grant id). */
export interface GrantRow {
  readonly grant_id: string;
  readonly org_id: string;
  readonly amount: bigint;
}

/** The grant postings summed per transfer and credited account (ordered by both). */
export interface GrantPostings {
  readonly transfer_id: string;
  readonly credit_account: string;
  readonly count: bigint;
  readonly total: bigint;
}

/**
 * INV-6's comparison, whichever driver read the rows: each grant id posted exactly once, for its own org and amount;
 * no grant posting without its grant row; per org, the grants add up to the grant postings.
 */
export function findGrantFailures(
  grants: readonly GrantRow[],
  postings: readonly GrantPostings[],
  result: InvariantFailures,
): void {
  const postingsByTransfer = new Map<string, GrantPostings[]>();
  const postedByOrg = new Map<string, bigint>();
  for (const row of postings) {
    postingsByTransfer.set(row.transfer_id, [...(postingsByTransfer.get(row.transfer_id) ?? []), row]);
    addTotal(postedByOrg, ledgerAccounts.parseOrg(row.credit_account)?.orgId ?? row.credit_account, row.total);
  }
  const grantedByOrg = new Map<string, bigint>();
  for (const grant of grants) {
    addTotal(grantedByOrg, grant.org_id, grant.amount);
    const transferId = `grant:${grant.grant_id}`;
    const posted = postingsByTransfer.get(transferId) ?? [];
    postingsByTransfer.delete(transferId);
    const [only] = posted;
    const isExact =
      posted.length === 1 &&
      only?.count === 1n &&
      only.total === grant.amount &&
      only.credit_account === ledgerAccounts.orgAvailable(grant.org_id);
    if (!isExact) {
      result.fail(`grant ${grant.grant_id} (${grant.amount} to org ${grant.org_id}) is not posted exactly once`);
    }
  }
  for (const transferId of postingsByTransfer.keys()) result.fail(`grant posting ${transferId} has no grant row`);
  compareTotals(grantedByOrg, postedByOrg, (orgId, granted, posted) =>
    result.fail(`org ${orgId}: grants add up to ${granted}, grant postings to ${posted}`),
  );
}
