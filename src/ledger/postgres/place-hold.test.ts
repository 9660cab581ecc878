import pg from 'pg';
import type { Pool, PoolClient } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, findPostgresSkipReason } from '../../../test/support/start-postgres.js';
import type { TestDatabase } from '../../../test/support/start-postgres.js';
import { migratePostgres } from '../../storage/postgres/migrate-postgres.js';
import { limits } from '../../config/index.js';
import { openPostgresPool } from '../../storage/postgres/open-postgres-pool.js';
import type { PlaceHoldInput } from '../ledger-types.js';
import type { AsyncLedger } from './async-ledger.js';
import { createPostgresLedger } from './create-postgres-ledger.js';
import { buildParameters, placeHoldSql } from './place-hold.js';
import { settleHoldInTransaction } from './settle-hold.js';

/**
 * The interleavings the one-statement admission must get right on PostgreSQL, made deterministic: a transaction
 * holds the org's row lock while admissions queue behind it, and commits only once they are seen waiting. (The
 * conformance suite's concurrency cases cover the same with real races.)
 */

const skipReason = await findPostgresSkipReason();
let database: TestDatabase;
let pool: Pool;
let lockingPool: Pool;
let ledger: AsyncLedger;
/** A second node on the same database: its admissions are not batched with `ledger`'s, so both wait for the lock. */
let peer: AsyncLedger;
let orgCount = 0;
let orgId = '';

beforeAll(async () => {
  if (skipReason !== undefined) return;
  database = await createTestDatabase();
  pool = openPostgresPool(database.url);
  lockingPool = openPostgresPool(database.url);
  await migratePostgres(pool);
  ledger = createPostgresLedger(pool);
  peer = createPostgresLedger(pool);
});

afterAll(async () => {
  if (skipReason !== undefined) return;
  await pool.end();
  await lockingPool.end();
  await database.drop();
});

beforeEach(() => {
  orgCount += 1;
  orgId = `org-${orgCount}`;
});

function hold(requestId: string, overrides: Partial<PlaceHoldInput> = {}): PlaceHoldInput {
  return {
    requestId: `${orgId}:${requestId}`,
    orgId,
    keyId: `${orgId}:key`,
    amountMax: 1_000n,
    amountMin: 100n,
    keyLimit: undefined,
    nowMs: 1_000_000,
    ttlMs: 60_000,
    ...overrides,
  };
}

/**
 * A query as a short label: the admission statement (with its parameters, or the prepared one executed) is `admit`,
 * a batch sent as one query is its statements' labels joined; anything else is its text.
 */
function describeQuery(text: string): string {
  const admission = placeHoldSql.trim().slice(0, 40);
  const isAdmission = (statement: string): boolean =>
    statement.startsWith(admission) || /^EXECUTE meridian_place_hold_[0-9a-f]{12}\(/.test(statement);
  return text
    .split(';\n')
    .map((statement) => (isAdmission(statement.trim()) ? 'admit' : statement.trim()))
    .join('; ');
}

/** The queries a node sent, the lock-wait polls and the statement's preparation (once per connection) left out. */
function listQueries(statements: readonly string[]): string[] {
  return statements
    .filter((text) => !text.startsWith('SELECT COUNT(*) AS waiting') && !text.startsWith('PREPARE '))
    .map(describeQuery);
}

/** Waits (bounded) until `count` statements are blocked on a row lock. */
async function waitForLockWaiters(count: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const { rows } = await lockingPool.query<{ waiting: bigint }>(
      "SELECT COUNT(*) AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
    );
    if ((rows[0]?.waiting ?? 0n) >= BigInt(count)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${count} statements never waited for a lock`);
}

/**
 * Opens a transaction on the locking pool, runs `work` in it, and keeps it open: `committed` resolves once `commit`
 * has been called and the COMMIT went through.
 */
async function openLockingTransaction(work: (client: PoolClient) => Promise<void>) {
  const client = await lockingPool.connect();
  await client.query('BEGIN');
  await work(client);
  return {
    commit: async (): Promise<void> => {
      try {
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
  };
}

describe.skipIf(skipReason !== undefined)('placeHold on PostgreSQL under the org row lock', () => {
  it('decides on the balance committed while it waited, not on its older snapshot', async () => {
    await ledger.grant({ grantId: `${orgId}:g`, orgId, amount: 1_000n, nowMs: 0 });
    await ledger.placeHold(hold('req-1'));
    // A settlement that releases the whole hold is in flight: the org row is locked, its credit not yet back.
    const settling = await openLockingTransaction(async (client) => {
      const settled = await settleHoldInTransaction(client, {
        requestId: `${orgId}:req-1`,
        chargeNanos: 0n,
        attemptCosts: [],
        nowMs: 1_000_100,
      });
      expect(settled).toEqual({ chargedNanos: 0n, isFirstSettlement: true });
    });
    const admitting = ledger.placeHold(hold('req-2', { amountMin: 1_000n }));
    await waitForLockWaiters(1);
    await settling.commit();
    expect(await admitting).toEqual({ ok: true, amount: 1_000n });
    expect(await ledger.balance(orgId)).toEqual({
      availableNanos: 0n,
      heldNanos: 1_000n,
      grantedNanos: 1_000n,
      chargedNanos: 0n,
    });
    expect((await ledger.verify(1_000_100, 0)).filter((result) => !result.ok)).toEqual([]);
  });

  it("holds a new key's first admissions, queued together, within its limit (one runs again)", async () => {
    await ledger.grant({ grantId: `${orgId}:g`, orgId, amount: 100_000n, nowMs: 0 });
    const locking = await openLockingTransaction(async (client) => {
      await client.query('SELECT 1 FROM ledger_org_balances WHERE org_id = $1 FOR UPDATE', [orgId]);
    });
    const keyLimit = { limitNanos: 1_500n, windowStartMs: 0 };
    const admissions = [ledger.placeHold(hold('req-1', { keyLimit })), peer.placeHold(hold('req-2', { keyLimit }))];
    await waitForLockWaiters(2);
    await locking.commit();
    const amounts = (await Promise.all(admissions)).map((result) => (result.ok ? result.amount : -1n));
    expect(amounts.sort((left, right) => Number(left - right))).toEqual([500n, 1_000n]);
    expect(await ledger.keySpend(`${orgId}:key`, 0)).toEqual({ spentNanos: 0n, heldNanos: 1_500n });
    expect((await ledger.verify(1_000_000, 0)).filter((result) => !result.ok)).toEqual([]);
  });

  it('answers a request id admitted meanwhile by another node with that hold', async () => {
    await ledger.grant({ grantId: `${orgId}:g`, orgId, amount: 5_000n, nowMs: 0 });
    const locking = await openLockingTransaction(async (client) => {
      await client.query('SELECT 1 FROM ledger_org_balances WHERE org_id = $1 FOR UPDATE', [orgId]);
    });
    const admissions = [ledger.placeHold(hold('req-1')), peer.placeHold(hold('req-1', { amountMax: 2_000n }))];
    await waitForLockWaiters(2);
    await locking.commit();
    const results = await Promise.all(admissions);
    expect(results[0]).toEqual(results[1]);
    expect(await ledger.postings({ requestId: `${orgId}:req-1` })).toHaveLength(1);
    const held = results[0]?.ok === true ? results[0].amount : 0n;
    expect(await ledger.balance(orgId)).toMatchObject({ availableNanos: 5_000n - held, heldNanos: held });
  });

  it("writes one org's admissions that queue behind a waiting one as one transaction, deciding each in order", async () => {
    await ledger.grant({ grantId: `${orgId}:g`, orgId, amount: 5_500n, nowMs: 0 });
    const locking = await openLockingTransaction(async (client) => {
      await client.query('SELECT 1 FROM ledger_org_balances WHERE org_id = $1 FOR UPDATE', [orgId]);
    });
    const query = vi.spyOn(pg.Client.prototype, 'query');
    // The first admission runs alone and waits for the lock; the next nine queue behind it on this node.
    const admissions = Array.from({ length: 10 }, (_, index) =>
      ledger.placeHold(hold(`req-${index}`, { amountMin: 1_000n })),
    );
    await waitForLockWaiters(1);
    await locking.commit();
    const results = await Promise.all(admissions);
    const statements = query.mock.calls.map((call) => call[0]).filter((text) => typeof text === 'string');
    query.mockRestore();
    expect(
      results.map((result) => (result.ok ? `ok ${result.amount}` : `${result.reason} ${result.affordableNanos}`)),
    ).toEqual([...Array<string>(5).fill('ok 1000'), ...Array<string>(5).fill('insufficient_credits 500')]);
    // The nine queued ones went as one transaction in one round trip: BEGIN, their nine statements (the prepared one
    // executed), COMMIT, in one query, no savepoints (the first admission ran alone; the COMMIT before the batch is
    // the lock's).
    expect(listQueries(statements)).toEqual([
      'admit',
      'COMMIT',
      `BEGIN; ${Array<string>(9).fill('admit').join('; ')}; COMMIT`,
    ]);
    const { rows } = await lockingPool.query<{ request_id: string }>(
      'SELECT request_id FROM ledger_holds WHERE org_id = $1 ORDER BY request_id',
      [orgId],
    );
    expect(rows.map((row) => row.request_id)).toEqual([0, 1, 2, 3, 4].map((index) => `${orgId}:req-${index}`));
    expect(await ledger.balance(orgId)).toEqual({
      availableNanos: 500n,
      heldNanos: 5_000n,
      grantedNanos: 5_500n,
      chargedNanos: 0n,
    });
    expect((await ledger.verify(1_000_000, 0)).filter((result) => !result.ok)).toEqual([]);
  });
  it('runs a batch again under savepoints when another node admitted one of its request ids meanwhile', async () => {
    await ledger.grant({ grantId: `${orgId}:g`, orgId, amount: 5_000n, nowMs: 0 });
    // Another node's admission of req-2 holds the org row lock, its hold written but not committed.
    const other = await openLockingTransaction(async (client) => {
      await client.query(placeHoldSql, buildParameters(hold('req-2', { amountMax: 2_000n })));
    });
    const query = vi.spyOn(pg.Client.prototype, 'query');
    // A free call needs no org lock: it runs alone and ends at once; req-2 and req-3 then go as one batch, whose
    // first statement (req-2) takes its snapshot before the other node commits and waits for the lock.
    const admissions = [
      ledger.placeHold(hold('req-0', { amountMax: 0n, amountMin: 0n })),
      ledger.placeHold(hold('req-2')),
      ledger.placeHold(hold('req-3')),
    ];
    await waitForLockWaiters(1);
    await other.commit();
    const results = await Promise.all(admissions);
    const statements = query.mock.calls.map((call) => call[0]).filter((text) => typeof text === 'string');
    query.mockRestore();
    // req-2 is the other node's hold (2 000), not a second one; req-3 is decided on what is left.
    expect(results).toEqual([
      { ok: true, amount: 0n },
      { ok: true, amount: 2_000n },
      { ok: true, amount: 1_000n },
    ]);
    // The batch's query failed on req-2's id (nothing of it written), then ran again, each under its savepoint.
    expect(listQueries(statements).filter((text) => /^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT)/.test(text))).toEqual([
      'BEGIN; admit; admit; COMMIT',
      'COMMIT',
      'ROLLBACK',
      'BEGIN',
      'SAVEPOINT hold',
      'SAVEPOINT hold',
      'COMMIT',
    ]);
    expect(await ledger.postings({ requestId: `${orgId}:req-2` })).toHaveLength(1);
    expect(await ledger.balance(orgId)).toEqual({
      availableNanos: 2_000n,
      heldNanos: 3_000n,
      grantedNanos: 5_000n,
      chargedNanos: 0n,
    });
    expect((await ledger.verify(1_000_000, 0)).filter((result) => !result.ok)).toEqual([]);
  });
  it('prepares the statement again on a connection that lost it', async () => {
    const onePool = openPostgresPool(database.url, { connectionsMax: 1 });
    try {
      const node = createPostgresLedger(onePool);
      await ledger.grant({ grantId: `${orgId}:g`, orgId, amount: 10_000n, nowMs: 0 });
      const admitThree = (prefix: string) =>
        Promise.all([0, 1, 2].map((index) => node.placeHold(hold(`${prefix}-${index}`))));
      // One alone, then a batch of two: the batch prepares the statement on the pool's one connection.
      expect(await admitThree('a')).toEqual(Array(3).fill({ ok: true, amount: 1_000n }));
      await onePool.query('DEALLOCATE ALL'); // as a server restart or a pooler's reset would
      const query = vi.spyOn(pg.Client.prototype, 'query');
      const results = await admitThree('b');
      const statements = query.mock.calls.map((call) => call[0]).filter((text) => typeof text === 'string');
      query.mockRestore();
      expect(results).toEqual(Array(3).fill({ ok: true, amount: 1_000n }));
      // The batch failed on the unknown statement (nothing written), prepared it again and ran once more.
      expect(statements.map((text) => (text.startsWith('PREPARE ') ? 'PREPARE' : describeQuery(text)))).toEqual([
        'admit',
        'BEGIN; admit; admit; COMMIT',
        'ROLLBACK',
        'PREPARE',
        'BEGIN; admit; admit; COMMIT',
      ]);
      expect(await ledger.balance(orgId)).toMatchObject({ availableNanos: 4_000n, heldNanos: 6_000n });
      expect((await ledger.verify(1_000_000, 0)).filter((result) => !result.ok)).toEqual([]);
    } finally {
      await onePool.end();
    }
  });

  it('takes a statement already prepared on the server connection as prepared (a pooler hands one to two clients)', async () => {
    await ledger.grant({ grantId: `${orgId}:g`, orgId, amount: 10_000n, nowMs: 0 });
    const onePool = openPostgresPool(database.url, { connectionsMax: 1 });
    // Another client of the pooler prepared it on this server connection first: our PREPARE then fails with 42P05.
    const send = pg.Client.prototype.query as (...args: unknown[]) => unknown;
    const failures: unknown[] = [];
    const query = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      if (typeof args[0] !== 'string' || !args[0].startsWith('PREPARE ')) return send.apply(this, args) as never;
      return (send.call(this, args[0]) as Promise<unknown>).then(() =>
        (send.apply(this, args) as Promise<unknown>).catch((error: unknown) => {
          failures.push((error as { code?: unknown }).code);
          throw error;
        }),
      ) as never;
    });
    try {
      const node = createPostgresLedger(onePool);
      const results = await Promise.all([0, 1, 2].map((index) => node.placeHold(hold(`p-${index}`))));
      const statements = query.mock.calls.map((call) => call[0]).filter((text) => typeof text === 'string');
      expect(results).toEqual(Array(3).fill({ ok: true, amount: 1_000n }));
      expect(failures).toEqual(['42P05']);
      expect(statements.map((text) => (text.startsWith('PREPARE ') ? 'PREPARE' : describeQuery(text)))).toEqual([
        'admit',
        'PREPARE',
        'BEGIN; admit; admit; COMMIT',
      ]);
      expect(await ledger.balance(orgId)).toMatchObject({ availableNanos: 7_000n, heldNanos: 3_000n });
    } finally {
      query.mockRestore();
      await onePool.end();
    }
  });

  it('prepares nothing on a pool known from the start to be behind a pooler, and bounds its transactions', async () => {
    await ledger.grant({ grantId: `${orgId}:g`, orgId, amount: 10_000n, nowMs: 0 });
    const onePool = openPostgresPool(database.url, { connectionsMax: 1, startupSettings: false });
    const query = vi.spyOn(pg.Client.prototype, 'query');
    try {
      const node = createPostgresLedger(onePool);
      const results = await Promise.all([0, 1, 2].map((index) => node.placeHold(hold(`q-${index}`))));
      const statements = query.mock.calls.map((call) => call[0]).filter((text) => typeof text === 'string');
      expect(results).toEqual(Array(3).fill({ ok: true, amount: 1_000n }));
      const timeoutMs = limits.postgresStatementTimeoutMs;
      expect(statements.map(describeQuery)).toEqual([
        'admit',
        `BEGIN; SET LOCAL statement_timeout = ${timeoutMs}; SET LOCAL idle_in_transaction_session_timeout = ` +
          `${timeoutMs * 2}; SET LOCAL jit = off; admit; admit; COMMIT`,
      ]);
      expect(await ledger.balance(orgId)).toMatchObject({ availableNanos: 7_000n, heldNanos: 3_000n });
      expect((await ledger.verify(1_000_000, 0)).filter((result) => !result.ok)).toEqual([]);
    } finally {
      query.mockRestore();
      await onePool.end();
    }
  });

  it('sends the statement text behind a pooler whose connections keep no prepared statement', async () => {
    await ledger.grant({ grantId: `${orgId}:g`, orgId, amount: 10_000n, nowMs: 0 });
    const onePool = openPostgresPool(database.url, { connectionsMax: 1 });
    // As a pooler in transaction mode does: the next query may reach a server connection that never saw the PREPARE
    // (here the PREPARE is undone at once, by a DEALLOCATE ALL the spy does not record).
    const send = pg.Client.prototype.query as (...args: unknown[]) => unknown;
    const query = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      const sent = send.apply(this, args);
      if (typeof args[0] !== 'string' || !args[0].startsWith('PREPARE ')) return sent as never;
      return (sent as Promise<unknown>).then(async (result) => {
        await send.call(this, 'DEALLOCATE ALL');
        return result;
      }) as never;
    });
    const label = (text: string): string =>
      text.startsWith('PREPARE ')
        ? 'PREPARE'
        : describeQuery(text.replaceAll(/EXECUTE meridian_place_hold_[0-9a-f]{12}\([^)]*\)/g, 'execute'));
    try {
      const node = createPostgresLedger(onePool);
      const admitThree = (prefix: string) =>
        Promise.all([0, 1, 2].map((index) => node.placeHold(hold(`${prefix}-${index}`))));
      expect(await admitThree('a')).toEqual(Array(3).fill({ ok: true, amount: 1_000n }));
      await new Promise((resolve) => setTimeout(resolve, 0)); // the first round's queue is gone: the next starts anew
      expect(await admitThree('b')).toEqual(Array(3).fill({ ok: true, amount: 1_000n }));
      const statements = query.mock.calls.map((call) => call[0]).filter((text) => typeof text === 'string');
      // The first batch lost the statement twice, right after preparing it each time, then carried its text; the
      // second batch carried the text at once: one round trip per batch once the pool is known, no savepoints.
      expect(statements.map(label)).toEqual([
        'admit',
        'PREPARE',
        'BEGIN; execute; execute; COMMIT',
        'ROLLBACK',
        'PREPARE',
        'BEGIN; execute; execute; COMMIT',
        'ROLLBACK',
        'BEGIN; admit; admit; COMMIT',
        'admit',
        'BEGIN; admit; admit; COMMIT',
      ]);
      expect(await ledger.balance(orgId)).toMatchObject({ availableNanos: 4_000n, heldNanos: 6_000n });
      expect((await ledger.verify(1_000_000, 0)).filter((result) => !result.ok)).toEqual([]);
    } finally {
      query.mockRestore();
      await onePool.end();
    }
  });
});
