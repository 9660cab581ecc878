import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import type { Pool } from 'pg';
import { onTestFinished } from 'vitest';
import type { AsyncLedger } from '../../ledger/postgres/async-ledger.js';
import { createPostgresLedger } from '../../ledger/postgres/create-postgres-ledger.js';
import { settleHoldInTransaction } from '../../ledger/postgres/settle-hold.js';
import type { SettleInput, SettleResult } from '../../ledger/ledger-types.js';
import { createSqliteLedger } from '../../ledger/sqlite/create-sqlite-ledger.js';
import { insertTestGeneration } from '../../ledger/sqlite/test-support.js';
import type { AsyncPort } from '../async-port.js';
import { toAsyncPort } from '../async-port.js';
import type { CreditCodeStore } from '../ports.js';
import { migratePostgres } from '../postgres/migrate-postgres.js';
import { openPostgresPool } from '../postgres/open-postgres-pool.js';
import { createPostgresCreditCodeStore } from '../postgres/postgres-credit-code-store.js';
import { withTransaction } from '../postgres/with-transaction.js';
import { migrateSqlite } from '../sqlite/migrate-sqlite.js';
import { openSqliteDatabase } from '../sqlite/open-sqlite-database.js';
import { createSqliteCreditCodeStore } from '../sqlite/sqlite-credit-code-store.js';
import type { DriverName, DriverOpeners } from './driver-test-support.js';

/**
 * Ledger conformance cases each need a store of their own (postings, `verify` and `reconcile` are global): on SQLite
 * a fresh migrated file, on PostgreSQL a fresh schema in the harness's database, migrated, with its own pools.
 * Opened through {@link openLedgerCase}, closed when the test finishes.
 */

/** One node's view of the store. */
export interface LedgerNode {
  readonly ledger: AsyncLedger;
  readonly creditCodes: AsyncPort<CreditCodeStore>;
}

export interface LedgerCase extends LedgerNode {
  readonly driver: DriverName;
  /** Another node on the same store: SQLite, a second connection to the file; PostgreSQL, a second pool. */
  openPeer(): LedgerNode;
  /**
   * Settles inside one store transaction (as the generation writer's batch does), which then commits, or throws
   * `the batch failed` after the settlements and rolls back.
   */
  settleInTransaction(
    inputs: readonly SettleInput[],
    options: { readonly shouldFail: boolean },
  ): Promise<SettleResult[]>;
  /** A generation row with only what INV-4 reads set meaningfully (org-a, key-a). */
  insertGeneration(generation: {
    readonly id: string;
    readonly costNanos: bigint;
    readonly upstreamCostNanos: bigint;
  }): Promise<void>;
  /** Raw SQL, per driver (corruption and schema cases). */
  execute(statements: { readonly sqlite: readonly string[]; readonly postgres: readonly string[] }): Promise<void>;
}

/** What the conformance harness hands each suite: a way to open a fresh store. */
export interface LedgerCases {
  open(): Promise<LedgerCase & { close(): Promise<void> }>;
}

/** A fresh store for the running test, closed (and removed) when it finishes. */
export async function openLedgerCase(cases: LedgerCases): Promise<LedgerCase> {
  const opened = await cases.open();
  onTestFinished(() => opened.close());
  return opened;
}

/** The hold requests of the SQLite ledger tests (org `org-a`, key `key-a`, t = 1 000 000, TTL 60 s). */
export { createHoldInput } from '../../ledger/sqlite/test-support.js';

function openSqliteNode(database: Database): LedgerNode {
  const ledger = createSqliteLedger(database);
  return {
    ledger: toAsyncPort(ledger) as unknown as AsyncLedger,
    creditCodes: toAsyncPort(createSqliteCreditCodeStore(database, ledger)),
  };
}

function openSqliteCase(): LedgerCase & { close(): Promise<void> } {
  const directory = mkdtempSync(join(tmpdir(), 'meridian-ledger-conformance-'));
  const path = join(directory, 'meridian.db');
  const database = openSqliteDatabase({ path });
  migrateSqlite(database);
  const ledger = createSqliteLedger(database);
  const connections = [database];
  return {
    driver: 'sqlite',
    ...openSqliteNode(database),
    openPeer: () => {
      const peer = openSqliteDatabase({ path });
      connections.push(peer);
      return openSqliteNode(peer);
    },
    settleInTransaction: (inputs, options) => {
      const batch = database.transaction(() => {
        const results = inputs.map((input) => ledger.settle(input));
        if (options.shouldFail) throw new Error('the batch failed');
        return results;
      });
      return Promise.resolve().then(() => batch.immediate());
    },
    insertGeneration: (generation) => Promise.resolve(insertTestGeneration(database, generation)),
    execute: ({ sqlite }) => Promise.resolve().then(() => sqlite.forEach((sql) => database.exec(sql))),
    close: () => {
      for (const connection of connections) connection.close();
      rmSync(directory, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

const insertGenerationSql = `
  INSERT INTO generations (id, request_id, org_id, key_id, model_id, author, origin, provider_id, upstream_model,
    is_streaming, is_usage_estimated, cost_nanos, upstream_cost_nanos, ending, started_at_ms, finished_at_ms, latency_ms)
  VALUES ($1, $1, 'org-a', 'key-a', 'vendor/model', 'vendor', 'US', 'provider-a', 'model', true, false, $2, $3,
    'success', 0, 1, 1)`;

let schemaCount = 0;

/** A fresh schema in the harness's database, migrated; its pools see only it (`search_path`). */
async function openPostgresCase(harnessPool: Pool): Promise<LedgerCase & { close(): Promise<void> }> {
  schemaCount += 1;
  const schema = `ledger_case_${process.pid}_${schemaCount}`;
  await harnessPool.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(harnessPool.options.connectionString ?? '');
  url.searchParams.set('options', `-c search_path=${schema}`);
  const pools: Pool[] = [];
  const openNode = (): LedgerNode & { readonly pool: Pool } => {
    const pool = openPostgresPool(url.toString());
    pools.push(pool);
    return { pool, ledger: createPostgresLedger(pool), creditCodes: createPostgresCreditCodeStore(pool) };
  };
  const node = openNode();
  await migratePostgres(node.pool);
  return {
    driver: 'postgres',
    ledger: node.ledger,
    creditCodes: node.creditCodes,
    openPeer: openNode,
    settleInTransaction: (inputs, options) =>
      withTransaction(node.pool, async (client) => {
        const results: SettleResult[] = [];
        for (const input of inputs) results.push(await settleHoldInTransaction(client, input));
        if (options.shouldFail) throw new Error('the batch failed');
        return results;
      }),
    insertGeneration: async (generation) => {
      await node.pool.query(insertGenerationSql, [generation.id, generation.costNanos, generation.upstreamCostNanos]);
    },
    execute: async ({ postgres }) => {
      for (const sql of postgres) await node.pool.query(sql);
    },
    close: async () => {
      await Promise.all(pools.map((pool) => pool.end()));
      await harnessPool.query(`DROP SCHEMA ${schema} CASCADE`);
    },
  };
}

/** The openers for `describeEachDriver`: each test opens its own store through {@link openLedgerCase}. */
export const ledgerCaseOpeners: DriverOpeners<LedgerCases> = {
  sqlite: () => ({ ports: { open: () => Promise.resolve(openSqliteCase()) }, close: () => undefined }),
  postgres: (pool) => ({ open: () => openPostgresCase(pool) }),
};
