import type { VerifyOptions } from '../ledger-types.js';
import type { InvariantFailures } from './create-invariant-result.js';

const dayMs = 86_400_000;

/**
 * Since when every settlement must still have its generation record: undefined when records are not asked for (a
 * ledger alone); always, without retention; with it, from a day inside the retention on (a record is purged by its
 * start, a hold is placed a little after it: the day covers that).
 */
export function findRecordsKeptSinceMs(nowMs: number, options: VerifyOptions = {}): number | undefined {
  if (options.generationRecords === undefined) return undefined;
  const days = options.generationRecords.retentionDays;
  return days === undefined ? Number.MIN_SAFE_INTEGER : nowMs - (days - 1) * dayMs;
}

/** A posted hold that charged the customer or booked an upstream cost, with no generation record of its id. */
export interface UnrecordedSettlement {
  readonly request_id: string;
  readonly charged_nanos: bigint;
}

/**
 * The holds settled with a charge or a provider cost, placed at or after the parameter (the records kept since), whose
 * generation record is missing; `parameter` is the driver's placeholder. A hold released with nothing owed (a call
 * that never reached an upstream) has no record to find.
 */
export const unrecordedSettlementsSql = (parameter: '?' | '$1'): string => `
  SELECT h.request_id, h.charged_nanos FROM ledger_holds h
  WHERE h.status = 'posted' AND h.created_at_ms >= ${parameter}
    AND (h.charged_nanos > 0 OR EXISTS (
      SELECT 1 FROM ledger_postings p WHERE p.kind = 'provider_cost' AND p.request_id = h.request_id))
    AND NOT EXISTS (SELECT 1 FROM generations g WHERE g.id = h.request_id)`;

/** INV-4's record part: usage that was settled must have its record (RELIABILITY.md: every attempt has a record). */
export function findUnrecordedSettlementFailures(
  rows: readonly UnrecordedSettlement[],
  result: InvariantFailures,
): void {
  for (const row of rows) {
    result.fail(`hold ${row.request_id} (posted, charged ${row.charged_nanos}) has no generation record`);
  }
}
