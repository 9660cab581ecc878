import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdempotencyStore } from './idempotency-store.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { openTestDatabase, readRecordRows } from './test-support.js';

const claim = { keyId: 'key-a', idempotencyKey: 'k1', fingerprint: 'f1', createdAtMs: 1_000 };
const stored = {
  status: 200,
  headers: { 'content-type': 'text/event-stream', 'set-cookie': ['a=1', 'b=2'] },
  body: Buffer.from('data: [DONE]\n\n'),
};

let database: Database;
let store: IdempotencyStore;
beforeEach(() => {
  database = openTestDatabase();
  store = createIdempotencyStore(database);
});
afterEach(() => database.close());

describe('createIdempotencyStore', () => {
  it('lets exactly one claim win, and reads the row back until it expires', () => {
    expect(store.claimRecord(claim, 0)).toBe(true);
    expect(store.claimRecord({ ...claim, fingerprint: 'f2', createdAtMs: 2_000 }, 0)).toBe(false);
    expect(store.findRecord('key-a', 'k1', 999)).toEqual({
      status: 'in_progress',
      fingerprint: 'f1',
      createdAtMs: 1_000,
    });
    expect(store.findRecord('key-a', 'k1', 1_000)).toBeUndefined();
    expect(store.findRecord('key-b', 'k1', 0)).toBeUndefined();
  });

  it('replaces an expired row with a new claim', () => {
    store.claimRecord(claim, 0);
    store.completeRecord(claim, stored, 1_500);
    const later = { ...claim, fingerprint: 'f2', createdAtMs: 90_000 };
    expect(store.claimRecord(later, 1_000)).toBe(true);
    expect(store.findRecord('key-a', 'k1', 1_000)).toEqual({
      status: 'in_progress',
      fingerprint: 'f2',
      createdAtMs: 90_000,
    });
  });

  it('completes a claim with its stored response, headers and bytes intact', () => {
    store.claimRecord(claim, 0);
    store.completeRecord(claim, stored, 1_500);
    expect(store.findRecord('key-a', 'k1', 0)).toEqual({
      status: 'completed',
      fingerprint: 'f1',
      createdAtMs: 1_000,
      response: stored,
    });
  });

  it('completes or releases only its own in-progress claim', () => {
    store.claimRecord(claim, 0);
    const stranger = { ...claim, createdAtMs: 999 };
    store.completeRecord(stranger, stored, 1_500);
    store.releaseRecord(stranger);
    expect(store.findRecord('key-a', 'k1', 0)?.status).toBe('in_progress');
    store.completeRecord(claim, stored, 1_500);
    // A completed record is never released by a late failure path.
    store.releaseRecord(claim);
    expect(store.findRecord('key-a', 'k1', 0)?.status).toBe('completed');
  });

  it('releases its own claim', () => {
    store.claimRecord(claim, 0);
    store.releaseRecord(claim);
    expect(readRecordRows(database)).toEqual([]);
  });

  it('prunes rows created at or before the bound, at most rowsMax per pass', () => {
    for (const [index, createdAtMs] of [100, 200, 300, 400].entries()) {
      store.claimRecord({ ...claim, idempotencyKey: `k${index}`, createdAtMs }, 0);
    }
    expect(store.pruneRecords(300, 2)).toBe(2);
    expect(store.pruneRecords(300, 2)).toBe(1);
    expect(readRecordRows(database).map((row) => row.idempotency_key)).toEqual(['k3']);
  });

  it('refuses a completed row without its response (schema CHECK)', () => {
    store.claimRecord(claim, 0);
    expect(() => database.prepare("UPDATE idempotency_records SET status = 'completed'").run()).toThrow(
      /CHECK constraint failed/,
    );
  });
});
