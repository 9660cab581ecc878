import type { InvariantResult } from '../../ledger-types.js';
import { checkBoundedSpendOf } from '../../verify-shared/check-bounded-spend-of.js';
import { readOrgFlows } from './read-org-flows.js';
import type { VerifyContext } from './verify-context.js';

/** INV-2 Bounded spend (strict, no overdraft), over the cached balances and the org flows (see checkBoundedSpendOf). */
export function checkBoundedSpend(context: VerifyContext): InvariantResult {
  return checkBoundedSpendOf(context.cachedBalances, readOrgFlows(context));
}
