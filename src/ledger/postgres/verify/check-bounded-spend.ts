import type { InvariantResult } from '../../ledger-types.js';
import { checkBoundedSpendOf } from '../../verify-shared/check-bounded-spend-of.js';
import { readOrgFlows } from './read-org-flows.js';
import type { PostgresVerifyContext } from './verify-context.js';

/** INV-2 Bounded spend (strict, no overdraft), over the cached balances and the org flows (see checkBoundedSpendOf). */
export async function checkBoundedSpend(context: PostgresVerifyContext): Promise<InvariantResult> {
  return checkBoundedSpendOf(context.cachedBalances, await readOrgFlows(context));
}
