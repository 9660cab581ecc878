import { ledgerAccounts } from '../ledger-accounts.js';
import type { OrgBalance } from '../ledger-types.js';
import { readTotal } from './append-posting.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';

/** Available and held from the cached balances; granted and charged summed from the postings. */
export function readOrgBalance(statements: LedgerStatements, orgId: string): OrgBalance {
  const available = ledgerAccounts.orgAvailable(orgId);
  const held = ledgerAccounts.orgHeld(orgId);
  return {
    availableNanos: statements.selectBalance.get(available)?.balance ?? 0n,
    heldNanos: statements.selectBalance.get(held)?.balance ?? 0n,
    grantedNanos: readTotal(statements.sumCredits.get(available, 'grant')),
    chargedNanos: readTotal(statements.sumDebits.get(held, 'charge')),
  };
}
