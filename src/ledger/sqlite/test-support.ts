import type { Database } from 'better-sqlite3';
import { migrateSqlite, openSqliteDatabase } from '../../storage/index.js';
import type { Ledger, PlaceHoldInput } from '../ledger-types.js';
import { createSqliteLedger } from './create-sqlite-ledger.js';
import type { SqliteLedgerOptions } from './create-sqlite-ledger.js';

export interface TestLedger {
  readonly database: Database;
  readonly ledger: Ledger;
}

/** A migrated database (in memory unless a path is given) and a ledger over it. */
export function openTestLedger(path = ':memory:', options: SqliteLedgerOptions = {}): TestLedger {
  const database = openSqliteDatabase({ path });
  migrateSqlite(database);
  return { database, ledger: createSqliteLedger(database, options) };
}

/** A hold request with defaults: org `org-a`, key `key-a`, at t = 1 000 000, TTL 60 s, no key limit. */
export function createHoldInput(requestId: string, overrides: Partial<PlaceHoldInput> = {}): PlaceHoldInput {
  return {
    requestId,
    orgId: 'org-a',
    keyId: 'key-a',
    amountMax: 1_000n,
    amountMin: 100n,
    keyLimit: undefined,
    nowMs: 1_000_000,
    ttlMs: 60_000,
    ...overrides,
  };
}

/** A generation row with only what INV-4 reads set meaningfully. */
export function insertTestGeneration(
  database: Database,
  generation: { readonly id: string; readonly costNanos: bigint; readonly upstreamCostNanos: bigint },
): void {
  database
    .prepare(
      `INSERT INTO generations (id, request_id, org_id, key_id, model_id, author, origin, provider_id, upstream_model,
         is_streaming, is_usage_estimated, cost_nanos, upstream_cost_nanos, ending, started_at_ms, finished_at_ms, latency_ms)
       VALUES (?, ?, 'org-a', 'key-a', 'vendor/model', 'vendor', 'US', 'provider-a', 'model', 1, 0, ?, ?, 'success', 0, 1, 1)`,
    )
    .run(generation.id, generation.id, generation.costNanos, generation.upstreamCostNanos);
}

/** The ids of the invariants that fail. */
export function findFailingInvariants(ledger: Ledger, nowMs: number, graceMs: number): string[] {
  return ledger
    .verify(nowMs, graceMs)
    .filter((result) => !result.ok)
    .map((result) => result.id);
}
