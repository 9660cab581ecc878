import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Database } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteLedger } from '../../ledger/index.js';
import { migrateSqlite } from './migrate-sqlite.js';
import { openSqliteDatabase } from './open-sqlite-database.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** A database migrated with the shipped migrations up to version 6 only (before 0007-slim-ledger.sql). */
function openVersion6Database(): Database {
  const shipped = fileURLToPath(new URL('./migrations/', import.meta.url));
  const directory = mkdtempSync(join(tmpdir(), 'meridian-slim-ledger-'));
  directories.push(directory);
  for (const name of readdirSync(shipped).filter((file) => /^000[1-6]-.*\.sql$/.test(file))) {
    copyFileSync(join(shipped, name), join(directory, name));
  }
  const database = openSqliteDatabase({ path: ':memory:' });
  expect(migrateSqlite(database, { directory: pathToFileURL(`${directory}/`) })).toEqual([1, 2, 3, 4, 5, 6]);
  return database;
}

const postings: readonly (readonly [string, string, string, number, string, string | null, string | null])[] = [
  ['grant:g-1', 'platform:grants', 'org:org-a:available', 10_000, 'grant', null, null],
  ['hold:req-1', 'org:org-a:available', 'org:org-a:held', 1_000, 'hold', 'req-1', null],
  ['settle:req-1', 'org:org-a:held', 'platform:revenue', 600, 'charge', 'req-1', null],
  ['settle:req-1', 'org:org-a:held', 'org:org-a:available', 400, 'release', 'req-1', null],
  [
    'cost:req-1:att-1',
    'platform:inference_cost',
    'platform:provider_payable:openai',
    30,
    'provider_cost',
    'req-1',
    'att-1',
  ],
  ['hold:req-2', 'org:org-a:available', 'org:org-a:held', 1_000, 'hold', 'req-2', null],
  ['hold:req-3', 'org:org-a:available', 'org:org-a:held', 500, 'hold', 'req-3', null],
  ['expire:req-3', 'org:org-a:held', 'org:org-a:available', 500, 'expire', 'req-3', null],
  ['grant:g-2', 'platform:grants', 'org:org-b:available', 50, 'grant', null, null],
  ['hold:req-b', 'org:org-b:available', 'org:org-b:held', 20, 'hold', 'req-b', null],
  ['settle:req-b', 'org:org-b:held', 'platform:revenue', 20, 'charge', 'req-b', null],
];

/**
 * What a version-6 gateway wrote: the postings above (ids 1..11), their balances, grants and key-day spend, and
 * the holds: req-1 posted at 600, req-2 active, req-3 expired, req-b posted at its whole 20, req-free a free
 * request (hold 0).
 */
function writeVersion6Ledger(database: Database): void {
  const insertPosting = database.prepare(
    `INSERT INTO ledger_postings (transfer_id, debit_account, credit_account, amount, kind, request_id, attempt_id, key_id, created_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'key-a', 1000000)`,
  );
  for (const posting of postings) insertPosting.run(...posting);
  const balances: Record<string, number> = {
    'platform:grants': -10_050,
    'org:org-a:available': 8_400,
    'org:org-a:held': 1_000,
    'platform:revenue': 620,
    'platform:inference_cost': -30,
    'platform:provider_payable:openai': 30,
    'org:org-b:available': 30,
    'org:org-b:held': 0,
  };
  const insertBalance = database.prepare('INSERT INTO ledger_balances (account, balance) VALUES (?, ?)');
  for (const [account, balance] of Object.entries(balances)) insertBalance.run(account, balance);
  const insertGrant = database.prepare(
    'INSERT INTO ledger_grants (grant_id, org_id, amount, created_at_ms) VALUES (?, ?, ?, 0)',
  );
  insertGrant.run('g-1', 'org-a', 10_000);
  insertGrant.run('g-2', 'org-b', 50);
  database
    .prepare("INSERT INTO ledger_key_spend_days (key_id, day_start_ms, charged_nanos) VALUES ('key-a', 0, 620)")
    .run();
  const insertHold = database.prepare(
    `INSERT INTO ledger_holds (request_id, org_id, key_id, amount, status, created_at_ms, expires_at_ms, resolved_at_ms, charged_nanos)
     VALUES (?, ?, 'key-a', ?, ?, 1000000, 1060000, ?, ?)`,
  );
  insertHold.run('req-1', 'org-a', 1_000, 'posted', 1_005_000, 600);
  insertHold.run('req-2', 'org-a', 1_000, 'active', null, null);
  insertHold.run('req-3', 'org-a', 500, 'expired', 1_070_000, 0);
  insertHold.run('req-b', 'org-b', 20, 'posted', 1_005_000, 20);
  insertHold.run('req-free', 'org-a', 0, 'posted', 1_005_000, 0);
}

function readRows(database: Database, sql: string): unknown[] {
  return database.prepare(sql).safeIntegers(true).all();
}

function readSchemaSql(database: Database, name: string): string {
  return (database.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string }).sql;
}

const snapshotQueries = [
  'SELECT * FROM ledger_postings ORDER BY id',
  'SELECT * FROM ledger_holds ORDER BY request_id',
  'SELECT * FROM ledger_balances ORDER BY account',
  'SELECT * FROM ledger_grants ORDER BY grant_id',
  'SELECT * FROM ledger_key_spend_days ORDER BY key_id, day_start_ms',
];

describe('migration 0007-slim-ledger', () => {
  it('keeps every ledger row and id, fills the org totals, and verify passes', () => {
    const database = openVersion6Database();
    writeVersion6Ledger(database);
    const before = snapshotQueries.map((sql) => readRows(database, sql));
    expect(before[0]).toHaveLength(11);

    // 0007 first; later migrations (0008-providers, …) follow it.
    expect(migrateSqlite(database)[0]).toBe(7);

    expect(snapshotQueries.map((sql) => readRows(database, sql))).toEqual(before);
    expect(readRows(database, 'SELECT org_id, charged_nanos FROM ledger_org_totals ORDER BY org_id')).toEqual([
      { org_id: 'org-a', charged_nanos: 600n },
      { org_id: 'org-b', charged_nanos: 20n },
    ]);
    expect(readRows(database, "SELECT name FROM sqlite_sequence WHERE name = 'ledger_postings'")).toEqual([]);
    const ledger = createSqliteLedger(database);
    expect(ledger.verify(1_050_000, 0).filter((result) => !result.ok)).toEqual([]);
    expect(ledger.balance('org-a')).toEqual({
      availableNanos: 8_400n,
      heldNanos: 1_000n,
      grantedNanos: 10_000n,
      chargedNanos: 600n,
    });

    // The ledger goes on where it stopped: the next posting is #12, and the caches keep up.
    ledger.settle({ requestId: 'req-2', chargeNanos: 250n, attemptCosts: [], nowMs: 1_050_000 });
    expect(ledger.postings({ requestId: 'req-2' }).map((posting) => [posting.id, posting.kind])).toEqual([
      [6, 'hold'],
      [12, 'charge'],
      [13, 'release'],
    ]);
    expect(ledger.balance('org-a').chargedNanos).toBe(850n);
    expect(ledger.verify(1_065_000, 0).filter((result) => !result.ok)).toEqual([]);
    database.close();
  });

  it('leaves postings without AUTOINCREMENT or the request/account indexes, and holds WITHOUT ROWID', () => {
    const database = openVersion6Database();
    migrateSqlite(database);
    expect(readSchemaSql(database, 'ledger_postings')).not.toContain('AUTOINCREMENT');
    expect(readSchemaSql(database, 'ledger_holds')).toContain('WITHOUT ROWID');
    expect(
      readRows(
        database,
        "SELECT tbl_name, name FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name LIKE 'ledger_%' AND name NOT LIKE 'sqlite_%' ORDER BY tbl_name, name",
      ),
    ).toEqual(
      [
        ['ledger_grants', 'ledger_grants_no_delete'],
        ['ledger_grants', 'ledger_grants_no_update'],
        ['ledger_grants', 'ledger_grants_org'],
        ['ledger_holds', 'ledger_holds_active_expiry'],
        ['ledger_holds', 'ledger_holds_active_key'],
        ['ledger_holds', 'ledger_holds_no_delete'],
        ['ledger_holds', 'ledger_holds_resolve_once'],
        ['ledger_postings', 'ledger_postings_key_charges'],
        ['ledger_postings', 'ledger_postings_no_delete'],
        ['ledger_postings', 'ledger_postings_no_update'],
        ['ledger_postings', 'ledger_postings_once_per_attempt'],
        ['ledger_postings', 'ledger_postings_once_per_request'],
      ].map(([table, name]) => ({ tbl_name: table, name })),
    );
    database.close();
  });
});
