import type { InvariantFailures } from './create-invariant-result.js';

/** A generation paid through the ledger with what its postings add up to, as each driver reads it. */
export interface GenerationCharges {
  readonly id: string;
  readonly cost_nanos: bigint;
  readonly upstream_cost_nanos: bigint;
  readonly charged: bigint;
  readonly provider: bigint;
}

/** INV-4's per-generation part: the charge postings equal `cost_nanos`; a positive upstream cost, the provider costs. */
export function findUsageFailures(rows: readonly GenerationCharges[], result: InvariantFailures): void {
  for (const row of rows) {
    if (row.charged !== row.cost_nanos) {
      result.fail(`generation ${row.id} cost ${row.cost_nanos}, but its charge postings add up to ${row.charged}`);
    }
    if (row.upstream_cost_nanos > 0n && row.provider !== row.upstream_cost_nanos) {
      result.fail(
        `generation ${row.id} upstream cost ${row.upstream_cost_nanos}, but its provider costs add up to ${row.provider}`,
      );
    }
  }
}
