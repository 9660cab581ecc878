/** Reports every key whose two totals differ (a missing key counts as 0). */
export function compareTotals(
  expected: ReadonlyMap<string, bigint>,
  actual: ReadonlyMap<string, bigint>,
  report: (key: string, expectedTotal: bigint, actualTotal: bigint) => void,
): void {
  const keys = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  for (const key of keys) {
    const expectedTotal = expected.get(key) ?? 0n;
    const actualTotal = actual.get(key) ?? 0n;
    if (expectedTotal !== actualTotal) report(key, expectedTotal, actualTotal);
  }
}

/** Adds `amount` to a key of a map of totals. */
export function addTotal(totals: Map<string, bigint>, key: string, amount: bigint): void {
  totals.set(key, (totals.get(key) ?? 0n) + amount);
}
