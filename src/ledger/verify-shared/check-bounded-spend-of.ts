import { ledgerAccounts } from '../ledger-accounts.js';
import type { InvariantResult } from '../ledger-types.js';
import { createInvariantResult } from './create-invariant-result.js';
import type { OrgFlows } from './sum-org-flows.js';

/**
 * INV-2 Bounded spend (strict, no overdraft) from what a driver read: every org's available and held balances are
 * ≥ 0; what an org was charged never exceeds what it was granted (plus operator refunds); and available + held =
 * granted + refunded − charged exactly, so `available = credit − settled − Σ active holds`.
 */
export function checkBoundedSpendOf(
  cachedBalances: ReadonlyMap<string, bigint>,
  flows: ReadonlyMap<string, OrgFlows>,
): InvariantResult {
  const result = createInvariantResult('INV-2', 'Bounded spend');
  const orgIds = new Set<string>();
  for (const [account, balance] of cachedBalances) {
    const org = ledgerAccounts.parseOrg(account);
    if (org === undefined) continue;
    orgIds.add(org.orgId);
    if (balance < 0n) result.fail(`${account} is ${balance} (below zero)`);
  }
  for (const orgId of flows.keys()) orgIds.add(orgId);
  for (const orgId of [...orgIds].sort()) {
    const { grantedNanos, refundedNanos, chargedNanos } = flows.get(orgId) ?? {
      grantedNanos: 0n,
      refundedNanos: 0n,
      chargedNanos: 0n,
    };
    if (chargedNanos > grantedNanos + refundedNanos) {
      result.fail(
        `org ${orgId} was charged ${chargedNanos}, more than granted ${grantedNanos} + refunded ${refundedNanos}`,
      );
    }
    const available = cachedBalances.get(ledgerAccounts.orgAvailable(orgId)) ?? 0n;
    const held = cachedBalances.get(ledgerAccounts.orgHeld(orgId)) ?? 0n;
    const expected = grantedNanos + refundedNanos - chargedNanos;
    if (available + held !== expected) {
      result.fail(`org ${orgId}: available + held = ${available + held}, granted + refunded − charged = ${expected}`);
    }
  }
  return result.finish();
}
