/** An org's two account names, built once per org: the same string each time, so its hash is computed once. */
interface OrgAccountNames {
  readonly available: string;
  readonly held: string;
}

/** Orgs whose names are kept; past this many the memory starts again (names are rebuilt, never wrong). */
const orgNamesCountMax = 4_096;
const orgNames = new Map<string, OrgAccountNames>();

function namesOf(orgId: string): OrgAccountNames {
  let names = orgNames.get(orgId);
  if (names === undefined) {
    if (orgNames.size >= orgNamesCountMax) orgNames.clear();
    names = { available: `org:${orgId}:available`, held: `org:${orgId}:held` };
    orgNames.set(orgId, names);
  }
  return names;
}

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
  orgAvailable: (orgId: string): string => namesOf(orgId).available,
  orgHeld: (orgId: string): string => namesOf(orgId).held,
  providerPayable: (providerId: string): string => `platform:provider_payable:${providerId}`,
  /** The org and side of an org account, or undefined for any other account. */
  parseOrg: (account: string): { readonly orgId: string; readonly side: 'available' | 'held' } | undefined => {
    const match = /^org:(.+):(available|held)$/s.exec(account);
    if (match === null) return undefined;
    return { orgId: match[1] ?? '', side: match[2] === 'held' ? 'held' : 'available' };
  },
} as const;
