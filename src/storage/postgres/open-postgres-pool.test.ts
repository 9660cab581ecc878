import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool, PoolClient } from 'pg';
import { createTestDatabase, findPostgresSkipReason } from '../../../test/support/start-postgres.js';
import type { TestDatabase } from '../../../test/support/start-postgres.js';
import { limits } from '../../config/index.js';
import { isQueueWaitError, isUnavailableError } from './guard-availability.js';
import { acceptsStartupSettings, openPostgresPool } from './open-postgres-pool.js';
import { withTransaction } from './with-transaction.js';

const skipReason = await findPostgresSkipReason();
let database: TestDatabase;
let pool: Pool;
let admin: Pool;

beforeAll(async () => {
  if (skipReason !== undefined) return;
  database = await createTestDatabase();
  pool = openPostgresPool(database.url, { connectionsMax: 2 });
  admin = openPostgresPool(database.url, { connectionsMax: 1 });
});

afterAll(async () => {
  if (skipReason !== undefined) return;
  await pool.end();
  await admin.end();
  await database.drop();
});

/** Ends the client's server process, as a stopped or restarted PostgreSQL does, and waits until the client sees it. */
async function terminateBackend(client: PoolClient): Promise<void> {
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
  await ended;
}

async function readOne(): Promise<number> {
  const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
  return rows[0]!.one;
}

describe.skipIf(skipReason !== undefined)('openPostgresPool', () => {
  it('sets the session bounds at connection start, or nothing behind a pooler that refuses them', async () => {
    const read = async (target: Pool) =>
      (
        await target.query<{ statement: string; idle: string; jit: string }>(
          "SELECT current_setting('statement_timeout') AS statement, " +
            "current_setting('idle_in_transaction_session_timeout') AS idle, current_setting('jit') AS jit",
        )
      ).rows[0];
    const bare = openPostgresPool(database.url, { connectionsMax: 1, startupSettings: false });
    try {
      const defaults = await read(bare);
      expect(await read(pool)).toEqual({
        statement: `${limits.postgresStatementTimeoutMs / 1000}s`,
        idle: `${(limits.postgresStatementTimeoutMs * 2) / 1000}s`,
        jit: 'off',
      });
      expect(defaults).not.toEqual(await read(pool));
      expect(defaults?.statement).toBe('0');
    } finally {
      await bare.end();
    }
    expect(await acceptsStartupSettings(database.url)).toBe(true);
  });

  it('bounds every transaction of a pool opened without them, with the same settings set locally', async () => {
    const bare = openPostgresPool(database.url, { connectionsMax: 1, startupSettings: false });
    const read = async (client: Pool | PoolClient) =>
      (
        await client.query<{ statement: string; jit: string }>(
          "SELECT current_setting('statement_timeout') AS statement, current_setting('jit') AS jit",
        )
      ).rows[0];
    try {
      expect(await withTransaction(bare, (client) => read(client))).toEqual({
        statement: `${limits.postgresStatementTimeoutMs / 1000}s`,
        jit: 'off',
      });
      // Outside a transaction (and in the next one's absence) nothing is left set: the pooler's next client is not bound by it.
      expect((await read(bare))?.statement).toBe('0');
      await expect(
        withTransaction(bare, (client) =>
          client.query(`SELECT pg_sleep(${limits.postgresStatementTimeoutMs / 1000 + 1})`),
        ),
      ).rejects.toThrow('canceling statement due to statement timeout');
    } finally {
      await bare.end();
    }
  }, 15_000);

  // A wait for a connection is the node's own load; opening one is PostgreSQL's answer. The pool bounds both with one
  // setting, which its clients inherit: a long bound on the wait must not let a frozen server hold a connect as long.
  it(
    "bounds a wait for a full pool's connection as the node's overload, and opening one as PostgreSQL's",
    async () => {
      const full = openPostgresPool(database.url, { connectionsMax: 1, queueWaitMsMax: 200 });
      const held = await full.connect();
      try {
        const waited = await full.query('SELECT 1').catch((error: unknown) => error);
        expect([isQueueWaitError(waited), isUnavailableError(waited)]).toEqual([true, false]);
      } finally {
        held.release();
        await full.end();
      }
      const silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const frozenUrl = new URL(database.url);
      frozenUrl.port = String((silent.address() as AddressInfo).port);
      const frozen = openPostgresPool(frozenUrl.toString(), { connectionsMax: 1, queueWaitMsMax: 60_000 });
      try {
        const refused = await frozen.query('SELECT 1').catch((error: unknown) => error);
        expect([isQueueWaitError(refused), isUnavailableError(refused)]).toEqual([false, true]);
      } finally {
        await frozen.end();
        silent.close();
      }
    },
    limits.postgresConnectTimeoutMs + 3_000,
  );

  it('throws when the server cannot be reached at all, rather than calling it a pooler', async () => {
    const unreachable = new URL(database.url);
    unreachable.port = '1';
    await expect(acceptsStartupSettings(unreachable.toString())).rejects.toThrow('ECONNREFUSED');
  });

  // The driver emits 'error' on a client whose connection ends, and the pool listens only while the client is idle:
  // a checked-out client without a listener of its own would throw that error out of the socket's handler and stop
  // the process (a node died so when PostgreSQL stopped under a cluster fault test).
  it('survives a checked-out connection that the server ends, and replaces it', async () => {
    const client = await pool.connect();
    await terminateBackend(client);
    expect(() => client.emit('error', new Error('connection ended'))).not.toThrow();
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(true);
    expect(await readOne()).toBe(1);
  });

  it('fails a transaction whose connection the server ends: nothing of it written, the next call served', async () => {
    const failed = withTransaction(pool, async (client) => {
      await client.query('CREATE TABLE lost (id int)');
      await terminateBackend(client);
      await client.query('INSERT INTO lost VALUES (1)');
    });
    await expect(failed).rejects.toThrow(/not queryable/);
    const { rows } = await pool.query<{ name: string | null }>("SELECT to_regclass('lost')::text AS name");
    expect(rows[0]!.name).toBeNull();
    expect(pool.totalCount).toBeLessThanOrEqual(2);
    expect(await readOne()).toBe(1);
  });
});
