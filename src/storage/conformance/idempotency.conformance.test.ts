import type { Database } from 'better-sqlite3';
import type { Pool } from 'pg';
import { afterAll, expect, it } from 'vitest';
import { createIdempotencyStore } from '../../idempotency/idempotency-store.js';
import { testSealKey } from '../../idempotency/test-support.js';
import type { IdempotencyClaim, IdempotencyStore } from '../../idempotency/idempotency-store.js';
import type { AsyncPort } from '../async-port.js';
import { toAsyncPort } from '../async-port.js';
import { createPostgresIdempotencyStore } from '../postgres/postgres-idempotency-store.js';
import { describeEachDriver } from './driver-test-support.js';
import { openSecondPool, openSqliteNodes } from './two-node-test-support.js';

interface IdempotencyPorts {
  readonly store: AsyncPort<IdempotencyStore>;
  /** The same records seen from another node (a second connection or pool). */
  readonly otherNodeStore: AsyncPort<IdempotencyStore>;
  readonly closeOtherNode: () => Promise<void>;
  /** Runs SQL on the first node, bypassing the store (`$1`…: numbered parameters on both drivers). */
  readonly execute: (sql: string, parameters?: unknown[]) => Promise<Record<string, unknown>[]>;
}

/** `$1`, `$2`… → `?`: the cases' statements use each parameter once, in order, so one text serves both drivers. */
function executeOnSqlite(database: Database): IdempotencyPorts['execute'] {
  return (sql, parameters = []) => {
    const statement = database.prepare(sql.replace(/\$\d+/g, '?'));
    if (statement.reader) return Promise.resolve(statement.all(...parameters) as Record<string, unknown>[]);
    statement.run(...parameters);
    return Promise.resolve([]);
  };
}

function executeOnPostgres(pool: Pool): IdempotencyPorts['execute'] {
  return async (sql, parameters = []) => (await pool.query<Record<string, unknown>>(sql, parameters)).rows;
}

const stored = {
  status: 200,
  headers: { 'content-type': 'text/event-stream', 'set-cookie': ['a=1', 'b=2'] },
  body: Buffer.from('data: [DONE]\n\n'),
};
/** Reads with this bound see every row, expired or not. */
const seeAll = -1;

/** Cases share one database per driver, so each uses its own API key id. Times stay above 1 000, the prune case's rows below. */
function createClaim(keyId: string, overrides: Partial<IdempotencyClaim> = {}): IdempotencyClaim {
  return { keyId, idempotencyKey: 'k1', fingerprint: 'f1', createdAtMs: 1_000, leaseUntilMs: 10 ** 12, ...overrides };
}

describeEachDriver<IdempotencyPorts>(
  'IdempotencyStore conformance',
  {
    sqlite: () => {
      const nodes = openSqliteNodes();
      return {
        ports: {
          store: toAsyncPort(createIdempotencyStore(nodes.first, testSealKey)),
          otherNodeStore: toAsyncPort(createIdempotencyStore(nodes.second, testSealKey)),
          closeOtherNode: () => Promise.resolve(),
          execute: executeOnSqlite(nodes.first),
        },
        close: () => nodes.close(),
      };
    },
    postgres: (pool) => {
      const otherPool = openSecondPool(pool);
      return {
        store: createPostgresIdempotencyStore(pool, testSealKey),
        otherNodeStore: createPostgresIdempotencyStore(otherPool, testSealKey),
        closeOtherNode: () => otherPool.end(),
        execute: executeOnPostgres(pool),
      };
    },
  },
  (context) => {
    afterAll(() => context.ports.closeOtherNode());

    it('lets exactly one claim win, and reads the row back until it expires', async () => {
      const { store } = context.ports;
      const claim = createClaim('key-win');
      expect(await store.claimRecord(claim, 0)).toBe(true);
      expect(await store.claimRecord({ ...claim, fingerprint: 'f2', createdAtMs: 2_000 }, 0)).toBe(false);
      expect(await store.findRecord('key-win', 'k1', 999, 0)).toEqual({
        status: 'in_progress',
        fingerprint: 'f1',
        createdAtMs: 1_000,
      });
      expect(await store.findRecord('key-win', 'k1', 1_000, 0)).toBeUndefined();
      expect(await store.findRecord('key-other', 'k1', 0, 0)).toBeUndefined();
      expect(await store.findRecord('key-win', 'k2', 0, 0)).toBeUndefined();
    });

    it('replaces an expired row with a new claim', async () => {
      const { store } = context.ports;
      const claim = createClaim('key-expired');
      await store.claimRecord(claim, 0);
      await store.completeRecord(claim, stored, 1_500);
      const later = { ...claim, fingerprint: 'f2', createdAtMs: 90_000 };
      expect(await store.claimRecord(later, 1_000)).toBe(true);
      expect(await store.findRecord('key-expired', 'k1', 1_000, 0)).toEqual({
        status: 'in_progress',
        fingerprint: 'f2',
        createdAtMs: 90_000,
      });
      // The old claim's late completion finds no row of its own.
      await store.completeRecord(claim, stored, 1_600);
      expect((await store.findRecord('key-expired', 'k1', seeAll, 0))?.status).toBe('in_progress');
    });

    it('leaves a live completed row intact when a duplicate claims it', async () => {
      const { store } = context.ports;
      const claim = createClaim('key-live');
      await store.claimRecord(claim, 0);
      await store.completeRecord(claim, stored, 1_500);
      expect(await store.claimRecord({ ...claim, fingerprint: 'f2', createdAtMs: 2_000 }, 999)).toBe(false);
      expect(await store.findRecord('key-live', 'k1', 999, 0)).toEqual({
        status: 'completed',
        fingerprint: 'f1',
        createdAtMs: 1_000,
        response: stored,
      });
    });

    it('completes a claim with its stored response, headers and bytes intact', async () => {
      const { store } = context.ports;
      const claim = createClaim('key-complete');
      const binary = { status: 201, headers: { 'x-empty': '', 'x-list': [] }, body: Buffer.from([0, 255, 10, 13, 0]) };
      await store.claimRecord(claim, 0);
      await store.completeRecord(claim, binary, 1_500);
      expect(await store.findRecord('key-complete', 'k1', 0, 0)).toEqual({
        status: 'completed',
        fingerprint: 'f1',
        createdAtMs: 1_000,
        response: binary,
      });
    });

    it('completes or releases only its own in-progress claim', async () => {
      const { store } = context.ports;
      const claim = createClaim('key-own');
      await store.claimRecord(claim, 0);
      for (const stranger of [
        { ...claim, createdAtMs: 999 },
        { ...claim, fingerprint: 'f2' },
      ]) {
        await store.completeRecord(stranger, stored, 1_500);
        await store.releaseRecord(stranger);
      }
      expect((await store.findRecord('key-own', 'k1', 0, 0))?.status).toBe('in_progress');
      await store.completeRecord(claim, stored, 1_500);
      // A completed record is never released by a late failure path.
      await store.releaseRecord(claim);
      expect((await store.findRecord('key-own', 'k1', 0, 0))?.status).toBe('completed');
    });

    it('releases its own claim, so the key can be claimed again', async () => {
      const { store } = context.ports;
      const claim = createClaim('key-release');
      await store.claimRecord(claim, 0);
      await store.releaseRecord(claim);
      expect(await store.findRecord('key-release', 'k1', seeAll, 0)).toBeUndefined();
      expect(await store.claimRecord({ ...claim, fingerprint: 'f2', createdAtMs: 3_000 }, 0)).toBe(true);
    });

    it('lets a claim whose lease lapsed (its node died) be claimed again, on any node; a renewed one holds', async () => {
      const { store, otherNodeStore } = context.ports;
      const dead = createClaim('key-lease', { createdAtMs: 10_000, leaseUntilMs: 40_000 });
      const alive = createClaim('key-lease', { idempotencyKey: 'k2', createdAtMs: 10_000, leaseUntilMs: 40_000 });
      await store.claimRecord(dead, 0);
      await store.claimRecord(alive, 0);
      await store.renewLease(alive, 70_000);
      // Before the lease ends: the claim holds.
      expect((await otherNodeStore.findRecord('key-lease', 'k1', 0, 39_999))?.status).toBe('in_progress');
      expect(await otherNodeStore.claimRecord({ ...dead, fingerprint: 'f2', createdAtMs: 39_999 }, 0)).toBe(false);
      // From its end: absent, and claimed by another node; the dead claim's late writes touch nothing of the new one.
      expect(await otherNodeStore.findRecord('key-lease', 'k1', 0, 40_000)).toBeUndefined();
      const next = { ...dead, fingerprint: 'f2', createdAtMs: 40_000, leaseUntilMs: 70_000 };
      expect(await otherNodeStore.claimRecord(next, 0)).toBe(true);
      await store.releaseRecord(dead);
      await store.completeRecord(dead, stored, 40_001);
      expect(await store.findRecord('key-lease', 'k1', 0, 40_001)).toEqual({
        status: 'in_progress',
        fingerprint: 'f2',
        createdAtMs: 40_000,
      });
      // The renewed claim still holds at 40 000 and after.
      expect((await otherNodeStore.findRecord('key-lease', 'k2', 0, 60_000))?.status).toBe('in_progress');
      expect(await otherNodeStore.claimRecord({ ...alive, fingerprint: 'f2', createdAtMs: 60_000 }, 0)).toBe(false);
    });

    it('stores the answer sealed, no byte of it in any column, and another node opens it', async () => {
      const { store, otherNodeStore, execute } = context.ports;
      const claim = createClaim('key-sealed');
      const answer = {
        status: 200,
        headers: { 'content-type': 'text/event-stream', 'x-canary': 'HEADER-CANARY-91c2' },
        body: Buffer.from('data: {"delta":"COMPLETION-CANARY-91c2"}\n\ndata: [DONE]\n\n'),
      };
      await store.claimRecord(claim, 0);
      await store.completeRecord(claim, answer, 1_500);
      const rows = await execute('SELECT * FROM idempotency_records WHERE key_id = $1', ['key-sealed']);
      const columns = rows
        .flatMap((row) => Object.values(row))
        .map((value) => (Buffer.isBuffer(value) ? value.toString('latin1') : String(value)))
        .join('\n');
      expect(columns).not.toContain('CANARY-91c2');
      expect(columns).not.toContain('event-stream');
      expect(rows.map((row) => row['response_headers'])).toEqual(['sealed:v1']);
      expect(await otherNodeStore.findRecord('key-sealed', 'k1', 0, 0)).toEqual({
        status: 'completed',
        fingerprint: 'f1',
        createdAtMs: 1_000,
        response: answer,
      });
    });

    it('reads a sealed answer that was altered, or copied from another row, as unreadable', async () => {
      const { store, execute } = context.ports;
      for (const idempotencyKey of ['k1', 'k2']) {
        const claim = createClaim('key-tamper', { idempotencyKey });
        await store.claimRecord(claim, 0);
        await store.completeRecord(claim, stored, 1_500);
      }
      const select = 'SELECT response_body FROM idempotency_records WHERE key_id = $1 AND idempotency_key = $2';
      const update = 'UPDATE idempotency_records SET response_body = $1 WHERE key_id = $2 AND idempotency_key = $3';
      const [row] = await execute(select, ['key-tamper', 'k1']);
      const sealed = row?.['response_body'] as Buffer;
      await execute(update, [sealed, 'key-tamper', 'k2']);
      const altered = Buffer.from(sealed);
      altered[20] = (altered[20] ?? 0) ^ 1;
      await execute(update, [altered, 'key-tamper', 'k1']);
      for (const idempotencyKey of ['k1', 'k2']) {
        const record = await store.findRecord('key-tamper', idempotencyKey, 0, 0);
        expect(record?.status).toBe('completed');
        expect(record?.status === 'completed' && record.response).toBeUndefined();
      }
      await execute(update, [sealed, 'key-tamper', 'k1']);
      expect(await store.findRecord('key-tamper', 'k1', 0, 0)).toMatchObject({ response: stored });
    });

    it('reads a row stored in the clear before answers were sealed as it was stored', async () => {
      const { store, execute } = context.ports;
      await execute(
        `INSERT INTO idempotency_records (key_id, idempotency_key, fingerprint, status, response_status,
           response_headers, response_body, created_at_ms, completed_at_ms)
         VALUES ($1, 'k1', 'f1', 'completed', 200, $2, $3, 1000, 1500)`,
        ['key-clear', JSON.stringify(stored.headers), stored.body],
      );
      expect(await store.findRecord('key-clear', 'k1', 0, 0)).toEqual({
        status: 'completed',
        fingerprint: 'f1',
        createdAtMs: 1_000,
        response: stored,
      });
    });

    it('prunes rows created at or before the bound, at most rowsMax per pass', async () => {
      const { store } = context.ports;
      for (const [index, createdAtMs] of [100, 200, 300, 400].entries()) {
        await store.claimRecord(createClaim('key-prune', { idempotencyKey: `k${index}`, createdAtMs }), 0);
      }
      expect(await store.pruneRecords(300, 2)).toBe(2);
      expect(await store.pruneRecords(300, 2)).toBe(1);
      expect(await store.pruneRecords(300, 2)).toBe(0);
      const left = await Promise.all(
        ['k0', 'k1', 'k2', 'k3'].map(async (key) => (await store.findRecord('key-prune', key, seeAll, 0))?.createdAtMs),
      );
      expect(left).toEqual([undefined, undefined, undefined, 400]);
      await store.pruneRecords(400, 10);
    });

    it('prunes each row once when two nodes prune at the same time', async () => {
      const { store, otherNodeStore } = context.ports;
      for (let index = 0; index < 10; index += 1) {
        await store.claimRecord(createClaim('key-prune-race', { idempotencyKey: `k${index}`, createdAtMs: 500 }), 0);
      }
      const counts = await Promise.all([store.pruneRecords(500, 10), otherNodeStore.pruneRecords(500, 10)]);
      expect(counts[0] + counts[1]).toBe(10);
      expect(await store.pruneRecords(500, 10)).toBe(0);
    });

    it('lets exactly one of 20 concurrent claims from two nodes win', async () => {
      const { store, otherNodeStore } = context.ports;
      const claims = Array.from({ length: 20 }, (_, index) =>
        createClaim('key-race', { fingerprint: `f${index}`, createdAtMs: 5_000 + index }),
      );
      const results = await Promise.all(
        claims.map((claim, index) => (index % 2 === 0 ? store : otherNodeStore).claimRecord(claim, 0)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = claims[results.indexOf(true)]!;
      expect(await otherNodeStore.findRecord('key-race', 'k1', 0, 0)).toEqual({
        status: 'in_progress',
        fingerprint: winner.fingerprint,
        createdAtMs: winner.createdAtMs,
      });
    });

    it('replaces an expired row exactly once when 20 claims from two nodes race for it', async () => {
      const { store, otherNodeStore } = context.ports;
      const old = createClaim('key-race-expired');
      await store.claimRecord(old, 0);
      await store.completeRecord(old, stored, 1_500);
      const claims = Array.from({ length: 20 }, (_, index) =>
        createClaim('key-race-expired', { fingerprint: `f${index}`, createdAtMs: 90_000 + index }),
      );
      const results = await Promise.all(
        claims.map((claim, index) => (index % 2 === 0 ? store : otherNodeStore).claimRecord(claim, 1_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = claims[results.indexOf(true)]!;
      expect(await store.findRecord('key-race-expired', 'k1', 1_000, 0)).toEqual({
        status: 'in_progress',
        fingerprint: winner.fingerprint,
        createdAtMs: winner.createdAtMs,
      });
    });
  },
);
