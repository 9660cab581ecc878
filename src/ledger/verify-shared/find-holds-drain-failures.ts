import { ledgerAccounts } from '../ledger-accounts.js';
import { compareTotals } from './compare-totals.js';
import type { InvariantFailures } from './create-invariant-result.js';

/** An active hold past its expiry and grace, as each driver reads it. */
export interface LeakedHold {
  readonly request_id: string;
  readonly org_id: string;
  readonly expires_at_ms: bigint;
}

/**
 * INV-5's org part, whichever driver read the rows: each leaked hold is a failure, and each org's cached held balance
 * must be the sum of its active holds (`activeByOrg`).
 */
export function findHoldsDrainFailures(
  context: { readonly nowMs: number; readonly graceMs: number; readonly cachedBalances: ReadonlyMap<string, bigint> },
  leaked: readonly LeakedHold[],
  activeByOrg: ReadonlyMap<string, bigint>,
  result: InvariantFailures,
): void {
  for (const row of leaked) {
    result.fail(
      `hold ${row.request_id} of org ${row.org_id} expired at ${row.expires_at_ms} and is still active ` +
        `${context.graceMs} ms of grace later (now ${context.nowMs})`,
    );
  }
  const heldByOrg = new Map<string, bigint>();
  for (const [account, balance] of context.cachedBalances) {
    const org = ledgerAccounts.parseOrg(account);
    if (org?.side === 'held') heldByOrg.set(org.orgId, balance);
  }
  compareTotals(activeByOrg, heldByOrg, (orgId, active, held) =>
    result.fail(`org ${orgId}: held balance ${held}, active holds add up to ${active}`),
  );
}
