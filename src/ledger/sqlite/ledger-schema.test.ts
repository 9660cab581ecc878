import { describe, expect, it } from 'vitest';
import { holdFlowKinds } from './ledger-sql.js';
import { prepareLedgerStatements } from './prepare-ledger-statements.js';
import { createHoldInput as hold, openTestLedger } from './test-support.js';

/** A ledger with a grant, a settled request and an active one. */
function openBusyLedger() {
  const opened = openTestLedger();
  opened.ledger.grant({ grantId: 'g', orgId: 'org-a', amount: 10_000n, nowMs: 0 });
  opened.ledger.placeHold(hold('req-1'));
  opened.ledger.settle({ requestId: 'req-1', chargeNanos: 10n, attemptCosts: [], nowMs: 1_000_001 });
  opened.ledger.placeHold(hold('req-2'));
  return opened;
}

const insertPosting = `INSERT INTO ledger_postings (transfer_id, debit_account, credit_account, amount, kind, request_id, attempt_id, key_id, created_at_ms)
  VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 0)`;

describe('the ledger schema (migration 0002)', () => {
  it('refuses to update or delete a posting', () => {
    const { database, ledger } = openBusyLedger();
    expect(() => database.prepare('UPDATE ledger_postings SET amount = 1 WHERE id = 1').run()).toThrow(
      'ledger_postings is append-only',
    );
    expect(() => database.prepare('DELETE FROM ledger_postings WHERE id = 1').run()).toThrow(
      'ledger_postings is append-only',
    );
    expect(() => database.prepare('DELETE FROM ledger_postings').run()).toThrow('ledger_postings is append-only');
    expect(ledger.postings()).toHaveLength(5);
  });

  it('refuses a second charge for a request and a second provider cost for an attempt', () => {
    const { database } = openBusyLedger();
    const insert = database.prepare(insertPosting);
    expect(() => insert.run('x', 'org:org-a:held', 'platform:revenue', 1n, 'charge', 'req-1', null)).toThrow(
      'UNIQUE constraint failed',
    );
    insert.run('x', 'platform:inference_cost', 'platform:provider_payable:p', 1n, 'provider_cost', 'req-1', 'att-1');
    expect(() =>
      insert.run('x', 'platform:inference_cost', 'platform:provider_payable:p', 2n, 'provider_cost', 'req-1', 'att-1'),
    ).toThrow('UNIQUE constraint failed');
    expect(() =>
      insert.run('x', 'platform:inference_cost', 'platform:provider_payable:p', 2n, 'provider_cost', 'req-1', null),
    ).toThrow('CHECK constraint failed');
  });

  it('refuses non-positive amounts, self-transfers and an overdraft of an org account', () => {
    const { database } = openBusyLedger();
    const insert = database.prepare(insertPosting);
    expect(() => insert.run('x', 'platform:grants', 'org:org-a:available', 0n, 'grant', null, null)).toThrow('CHECK');
    expect(() => insert.run('x', 'platform:grants', 'org:org-a:available', -5n, 'grant', null, null)).toThrow('CHECK');
    expect(() => insert.run('x', 'platform:grants', 'platform:grants', 5n, 'grant', null, null)).toThrow('CHECK');
    expect(() =>
      database.prepare("UPDATE ledger_balances SET balance = -1 WHERE account = 'org:org-a:available'").run(),
    ).toThrow('CHECK constraint failed');
    database.prepare("UPDATE ledger_balances SET balance = -1 WHERE account = 'platform:revenue'").run();
  });

  it('refuses a balance that would overflow 64 bits instead of storing it as a float', () => {
    const { database } = openBusyLedger();
    database.prepare("INSERT INTO ledger_balances (account, balance) VALUES ('platform:x', ?)").run(2n ** 63n - 1n);
    expect(() =>
      database.prepare("UPDATE ledger_balances SET balance = balance + 1 WHERE account = 'platform:x'").run(),
    ).toThrow('cannot store REAL value in INTEGER column');
  });

  it('lets a hold change once, from active, and never be deleted', () => {
    const { database } = openBusyLedger();
    expect(() =>
      database
        .prepare(
          "UPDATE ledger_holds SET status = 'expired', resolved_at_ms = 5, charged_nanos = 0 WHERE request_id = 'req-1'",
        )
        .run(),
    ).toThrow('resolved exactly once');
    expect(() => database.prepare("UPDATE ledger_holds SET amount = 1 WHERE request_id = 'req-2'").run()).toThrow(
      'resolved exactly once',
    );
    expect(() => database.prepare("DELETE FROM ledger_holds WHERE request_id = 'req-2'").run()).toThrow(
      'never deleted',
    );
    expect(() =>
      database
        .prepare(
          "UPDATE ledger_holds SET status = 'posted', resolved_at_ms = 5, charged_nanos = -1 WHERE request_id = 'req-2'",
        )
        .run(),
    ).toThrow('CHECK constraint failed');
  });

  it('lets an active hold’s expiry move later only, and a resolution leave the expiry as it was (migration 0015)', () => {
    const { database } = openBusyLedger();
    const expiry = () =>
      (
        database.prepare("SELECT expires_at_ms AS e FROM ledger_holds WHERE request_id = 'req-2'").get() as {
          e: number;
        }
      ).e;
    const before = expiry();
    database.prepare("UPDATE ledger_holds SET expires_at_ms = ? WHERE request_id = 'req-2'").run(before + 1);
    expect(expiry()).toBe(before + 1);
    for (const sql of [
      `UPDATE ledger_holds SET expires_at_ms = ${before} WHERE request_id = 'req-2'`,
      `UPDATE ledger_holds SET expires_at_ms = ${before + 1} WHERE request_id = 'req-2'`,
      `UPDATE ledger_holds SET expires_at_ms = ${before + 10} WHERE request_id = 'req-1'`,
      `UPDATE ledger_holds SET status = 'expired', resolved_at_ms = 5, charged_nanos = 0, expires_at_ms = ${before + 10} WHERE request_id = 'req-2'`,
    ]) {
      expect(() => database.prepare(sql).run()).toThrow('resolved exactly once');
    }
  });

  it('keeps grants append-only', () => {
    const { database } = openBusyLedger();
    expect(() => database.prepare('UPDATE ledger_grants SET amount = 1').run()).toThrow('append-only');
    expect(() => database.prepare('DELETE FROM ledger_grants').run()).toThrow('append-only');
  });

  it('refuses a kind or status outside its set, and a hold-flow posting without its request (migration 0011)', () => {
    const { database } = openBusyLedger();
    const insert = database.prepare(insertPosting);
    expect(() => insert.run('x', 'platform:grants', 'org:org-a:available', 5n, 'gift', null, null)).toThrow('CHECK');
    for (const kind of ['hold', 'top_up', 'charge', 'release', 'expire']) {
      expect(() => insert.run('x', 'org:org-a:available', 'org:org-a:held', 1n, kind, null, null)).toThrow('CHECK');
    }
    insert.run('x', 'platform:grants', 'org:org-a:available', 5n, 'grant', null, null);
    insert.run('x', 'org:org-a:available', 'platform:grants', 5n, 'refund', null, null);
    expect(() =>
      database
        .prepare(
          "INSERT INTO ledger_holds (request_id, org_id, key_id, amount, status, created_at_ms, expires_at_ms) VALUES ('r', 'org-a', 'k', 1, 'pending', 0, 1)",
        )
        .run(),
    ).toThrow('CHECK constraint failed');
  });
});

describe('the ledger writes of the request path', () => {
  /** SQLite's program for a statement: how many temporary B-trees it builds each time it runs. */
  function countEphemeralTables(database: ReturnType<typeof openBusyLedger>['database'], sql: string): number {
    const parameters = new Array<null>((sql.match(/\?/g) ?? []).length).fill(null);
    const program = database.prepare(`EXPLAIN ${sql}`).all(...parameters) as { opcode: string }[];
    return program.filter((step) => step.opcode === 'OpenEphemeral').length;
  }

  it('build no temporary B-tree per row: no IN list in a CHECK or a partial index (migration 0011)', () => {
    const { database } = openBusyLedger();
    const statements = prepareLedgerStatements(database);
    const writes = [statements.insertPosting, statements.insertHold, statements.resolveHold];
    expect(writes.map((statement) => countEphemeralTables(database, statement.source))).toEqual([0, 0, 0]);
    // The old form of the same CHECK costs one per IN list: what this test would catch coming back.
    database.exec("CREATE TABLE in_list (kind TEXT CHECK (kind IN ('a', 'b', 'c'))) STRICT");
    expect(countEphemeralTables(database, 'INSERT INTO in_list (kind) VALUES (?)')).toBe(1);
  });

  it('keeps the once-per-request index on the same WHERE term its queries repeat', () => {
    const { database } = openBusyLedger();
    const index = database
      .prepare("SELECT sql FROM sqlite_master WHERE name = 'ledger_postings_once_per_request'")
      .get() as { sql: string };
    expect(index.sql.replace(/\s+/g, ' ')).toContain(`WHERE ${holdFlowKinds()}`);
  });
});
