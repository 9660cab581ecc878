import type { Database } from 'better-sqlite3';
import type { InvariantResult } from '../../ledger-types.js';

/** What every invariant check reads: the connection (inside verify's read transaction) and the cached balances. */
export interface VerifyContext {
  readonly database: Database;
  readonly nowMs: number;
  readonly graceMs: number;
  readonly cachedBalances: ReadonlyMap<string, bigint>;
}

/** At most this many failure lines per invariant, then one "… and N more" line (a broken ledger can have millions). */
export const invariantFailuresMax = 20;

/** Runs a query with safe integers (money as bigint). */
export function queryRows<Row>(database: Database, sql: string, ...parameters: unknown[]): Row[] {
  return database
    .prepare<unknown[], Row>(sql)
    .safeIntegers(true)
    .all(...parameters);
}

/** Collects failure lines, keeping the first {@link invariantFailuresMax}. */
export function createInvariantResult(id: string, title: string) {
  const failures: string[] = [];
  let omittedCount = 0;
  return {
    fail(line: string): void {
      if (failures.length < invariantFailuresMax) failures.push(line);
      else omittedCount += 1;
    },
    finish(note?: string): InvariantResult {
      const lines = omittedCount > 0 ? [...failures, `… and ${omittedCount} more`] : failures;
      return { id, title, ok: lines.length === 0, failures: lines, ...(note === undefined ? {} : { note }) };
    },
  };
}

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
