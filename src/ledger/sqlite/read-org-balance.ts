import { ledgerAccounts } from '../ledger-accounts.js';
import type { OrgBalance } from '../ledger-types.js';
import { readBalance, readTotal } from './append-posting.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';

/**
 * Available and held from the cached balances, charged from the cached org total (ledger_org_totals), granted
 * summed over the org's grants: a few indexed rows, however many postings the org has (`verify` checks each cache
 * against the postings).
 */
export function readOrgBalance(statements: LedgerStatements, orgId: string): OrgBalance {
  const available = ledgerAccounts.orgAvailable(orgId);
  const held = ledgerAccounts.orgHeld(orgId);
  return {
    availableNanos: readBalance(statements, available),
    heldNanos: readBalance(statements, held),
    grantedNanos: readTotal(statements.sumOrgGrants.get(orgId)),
    chargedNanos:
      (statements.selectOrgCharged.get(orgId)?.charged_nanos ?? 0n) +
      (statements.deferred.current?.chargedByOrg.get(orgId) ?? 0n),
  };
}
