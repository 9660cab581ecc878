/**
 * Account names of the ledger (see ledger-types.ts). An org account is
 * `org:<org id>:available` or `org:<org id>:held`; the org id may itself contain
 * colons, since the prefix and the suffix are fixed.
 */
export const ledgerAccounts = {
  grants: 'platform:grants',
  revenue: 'platform:revenue',
  inferenceCost: 'platform:inference_cost',
  insuranceExpense: 'platform:insurance_expense',
  orgAvailable: (orgId: string): string => `org:${orgId}:available`,
  orgHeld: (orgId: string): string => `org:${orgId}:held`,
  providerPayable: (providerId: string): string => `platform:provider_payable:${providerId}`,
  /** The org and side of an org account, or undefined for any other account. */
  parseOrg: (account: string): { readonly orgId: string; readonly side: 'available' | 'held' } | undefined => {
    const match = /^org:(.+):(available|held)$/s.exec(account);
    if (match === null) return undefined;
    return { orgId: match[1] ?? '', side: match[2] === 'held' ? 'held' : 'available' };
  },
} as const;
