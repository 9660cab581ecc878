import { ledgerAccounts } from '../../ledger-accounts.js';
import type { InvariantResult } from '../../ledger-types.js';
import { addTotal, compareTotals, createInvariantResult } from '../../sqlite/verify/verify-context.js';
import type { PostgresVerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

interface GrantPostings {
  readonly transfer_id: string;
  readonly credit_account: string;
  readonly count: bigint;
  readonly total: bigint;
}

/**
 * INV-6 Idempotency, the store's part: each grant id was posted exactly once, for its own org and amount, no grant
 * posting lacks its grant row, and per org the grants add up to the grant postings. (Idempotency-Key replay is an
 * API property, tested end to end.)
 */
export async function checkIdempotency(context: PostgresVerifyContext): Promise<InvariantResult> {
  const result = createInvariantResult('INV-6', 'Idempotency');
  const grants = await queryRows<{ grant_id: string; org_id: string; amount: bigint }>(
    context,
    'SELECT grant_id, org_id, amount FROM ledger_grants ORDER BY grant_id COLLATE "C"',
  );
  const postings = await queryRows<GrantPostings>(
    context,
    `SELECT transfer_id, credit_account, COUNT(*) AS count, SUM(amount)::bigint AS total FROM ledger_postings
     WHERE kind = 'grant' GROUP BY transfer_id, credit_account
     ORDER BY transfer_id COLLATE "C", credit_account COLLATE "C"`,
  );
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
  return result.finish('Idempotency-Key replay is an API property, tested end to end');
}
