import type { InvariantResult } from '../../ledger-types.js';
import { createInvariantResult } from '../../verify-shared/create-invariant-result.js';
import type { CreditCodeRow } from '../../verify-shared/find-credit-code-failures.js';
import {
  codelessGrantsSql,
  findCreditCodeFailures,
  mismatchedCodesSql,
} from '../../verify-shared/find-credit-code-failures.js';
import type { GrantPostings, GrantRow } from '../../verify-shared/find-grant-failures.js';
import { findGrantFailures } from '../../verify-shared/find-grant-failures.js';
import type { VerifyContext } from './verify-context.js';
import { queryRows } from './verify-context.js';

/**
 * INV-6 Idempotency, the store's part: each grant id was posted exactly once, for its own
 * org and amount, no grant posting lacks its grant row, per org the grants add up to
 * the grant postings, and each redeemed credit code was granted once, to its org, for its
 * amount. (Idempotency-Key replay is an API property, tested end to end.)
 */
export function checkIdempotency(context: VerifyContext): InvariantResult {
  const result = createInvariantResult('INV-6', 'Idempotency');
  const grants = queryRows<GrantRow>(
    context.database,
    'SELECT grant_id, org_id, amount FROM ledger_grants ORDER BY grant_id',
  );
  const postings = queryRows<GrantPostings>(
    context.database,
    `SELECT transfer_id, credit_account, COUNT(*) AS count, SUM(amount) AS total FROM ledger_postings
     WHERE kind = 'grant' GROUP BY transfer_id, credit_account ORDER BY transfer_id, credit_account`,
  );
  findGrantFailures(grants, postings, result);
  const codes = [
    ...queryRows<CreditCodeRow>(context.database, `${mismatchedCodesSql} ORDER BY c.digest`),
    ...queryRows<CreditCodeRow>(context.database, `${codelessGrantsSql} ORDER BY g.grant_id`),
  ];
  findCreditCodeFailures(codes, result);
  return result.finish('Idempotency-Key replay is an API property, tested end to end');
}
