import type { Database } from 'better-sqlite3';

/** What every invariant check reads: the connection (inside verify's read transaction) and the cached balances. */
export interface VerifyContext {
  readonly database: Database;
  readonly nowMs: number;
  readonly graceMs: number;
  /** Holds placed since then must have their generation record (older ones may be purged); undefined: not checked. */
  readonly recordsKeptSinceMs: number | undefined;
  readonly cachedBalances: ReadonlyMap<string, bigint>;
}

/** Runs a query with safe integers (money as bigint). */
export function queryRows<Row>(database: Database, sql: string, ...parameters: unknown[]): Row[] {
  return database
    .prepare<unknown[], Row>(sql)
    .safeIntegers(true)
    .all(...parameters);
}
