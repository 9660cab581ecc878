import type { Nanos } from '../ledger-types.js';
import { findDayStartMs, readTotal } from './append-posting.js';
import { sumPendingKeySpend } from './balance-deltas.js';
import type { LedgerStatements } from './prepare-ledger-statements.js';

const dayMs = 86_400_000;

/**
 * A key's charges since `windowStartMs`. Whole UTC days come from the day buckets; only
 * a window that starts mid-day reads that first partial day from the postings, so the
 * cost is bounded by the window's days, not its requests.
 */
export function readKeySpentInWindow(statements: LedgerStatements, keyId: string, windowStartMs: number): Nanos {
  const firstWholeDayMs =
    findDayStartMs(windowStartMs) === windowStartMs ? windowStartMs : findDayStartMs(windowStartMs) + dayMs;
  const wholeDays =
    readTotal(statements.sumKeySpendDays.get(keyId, firstWholeDayMs)) +
    sumPendingKeySpend(statements.deferred.current, keyId, firstWholeDayMs);
  const partialDay =
    firstWholeDayMs === windowStartMs
      ? 0n
      : readTotal(statements.sumKeyCharges.get(keyId, windowStartMs, firstWholeDayMs));
  return wholeDays + partialDay;
}

/** A key's charges since `windowStartMs` plus its active holds. */
export function readKeySpend(
  statements: LedgerStatements,
  keyId: string,
  windowStartMs: number,
): { readonly spentNanos: Nanos; readonly heldNanos: Nanos } {
  return {
    spentNanos: readKeySpentInWindow(statements, keyId, windowStartMs),
    heldNanos: readTotal(statements.sumKeyActiveHolds.get(keyId)),
  };
}
