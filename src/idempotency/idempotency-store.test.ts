import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdempotencyStore } from './idempotency-store.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { openTestDatabase, readRecordRows, testSealKey } from './test-support.js';

const claim = { keyId: 'key-a', idempotencyKey: 'k1', fingerprint: 'f1', createdAtMs: 1_000, leaseUntilMs: 10 ** 12 };
const stored = {
  status: 200,
  headers: { 'content-type': 'text/event-stream', 'set-cookie': ['a=1', 'b=2'] },
  body: Buffer.from('data: [DONE]\n\n'),
};

let database: Database;
let store: IdempotencyStore;
beforeEach(() => {
  database = openTestDatabase();
  store = createIdempotencyStore(database, testSealKey);
});
afterEach(() => database.close());

// Claiming, expiry, completing or releasing only one's own claim and pruning are conformance cases on both drivers
// (src/storage/conformance/idempotency.conformance.test.ts); these assert what those cases do not.
describe('createIdempotencyStore', () => {
  it('completes a claim with its stored response, headers and bytes intact', () => {
    store.claimRecord(claim, 0);
    store.completeRecord(claim, stored, 1_500);
    expect(store.findRecord('key-a', 'k1', 0, 0)).toEqual({
      status: 'completed',
      fingerprint: 'f1',
      createdAtMs: 1_000,
      response: stored,
    });
  });

  it('releases its own claim', () => {
    store.claimRecord(claim, 0);
    store.releaseRecord(claim);
    expect(readRecordRows(database)).toEqual([]);
  });

  it('refuses a completed row without its response (schema CHECK)', () => {
    store.claimRecord(claim, 0);
    expect(() => database.prepare("UPDATE idempotency_records SET status = 'completed'").run()).toThrow(
      /CHECK constraint failed/,
    );
  });
});
