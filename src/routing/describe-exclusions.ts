import type { Exclusion } from './filter-endpoints.js';

/**
 * One model's exclusions as a sentence fragment, grouped by filter in the order
 * they were hit: "max_price excluded deepseek (prompt 0.28 > 0.10); only excluded moonshot".
 */
export function describeExclusions(exclusions: readonly Exclusion[]): string {
  const byFilter = new Map<string, string[]>();
  for (const exclusion of exclusions) {
    const entry =
      exclusion.detail === undefined ? exclusion.providerId : `${exclusion.providerId} (${exclusion.detail})`;
    byFilter.set(exclusion.filter, [...(byFilter.get(exclusion.filter) ?? []), entry]);
  }
  return [...byFilter].map(([filter, entries]) => `${filter} excluded ${entries.join(', ')}`).join('; ');
}
