import type { PoolClient } from 'pg';

/** What every invariant check reads: the connection (inside verify's read-only snapshot) and the cached balances. */
export interface PostgresVerifyContext {
  readonly client: PoolClient;
  readonly nowMs: number;
  readonly graceMs: number;
  /** Holds placed since then must have their generation record (older ones may be purged); undefined: not checked. */
  readonly recordsKeptSinceMs: number | undefined;
  /** Every account's cached balance: org rows, folded platform balances plus their unfolded deltas. */
  readonly cachedBalances: ReadonlyMap<string, bigint>;
}

/** Runs a read in the verify snapshot; int8 and integer numeric come back as bigint. */
export async function queryRows<Row>(
  context: Pick<PostgresVerifyContext, 'client'>,
  sql: string,
  parameters: readonly unknown[] = [],
): Promise<Row[]> {
  const { rows } = await context.client.query(sql, [...parameters]);
  return rows as Row[];
}
