import type { InvariantFailures } from './create-invariant-result.js';

/** A generation served from the response cache that broke its rule, as each driver reads it. */
export interface CachedGenerationRow {
  readonly id: string;
  readonly cost_nanos: bigint;
  readonly upstream_cost_nanos: bigint;
  readonly has_hold: bigint | boolean;
}

/** The query's condition: a `cache` generation charged, costed or held is a failure (PRODUCT.md §4: charged 0). */
export const brokenCacheGenerationsWhere = (hasHold: string): string =>
  `g.ending = 'cache' AND (g.cost_nanos <> 0 OR g.upstream_cost_nanos <> 0 OR ${hasHold})`;

/** Generations with the ending `cache` are charged 0, cost the operator 0 and never hold credit. */
export function findCacheFailures(rows: readonly CachedGenerationRow[], result: InvariantFailures): void {
  for (const row of rows) {
    result.fail(
      `generation ${row.id} was served from the response cache but has cost ${row.cost_nanos}, upstream cost ` +
        `${row.upstream_cost_nanos}${row.has_hold === true || row.has_hold === 1n ? ' and a hold' : ''}`,
    );
  }
}
