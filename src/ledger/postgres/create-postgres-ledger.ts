import type { Pool } from 'pg';
import { withTransaction } from '../../storage/postgres/with-transaction.js';
import type { AsyncLedger } from './async-ledger.js';
import { expireHolds } from './expire-holds.js';
import { grantCreditInTransaction } from './grant-credit.js';
import { createHoldBatcher } from './batch-place-holds.js';
import { readActiveHolds, readHold, readKeySpend, readOrgBalance, readPostings } from './read-ledger.js';
import { settleHoldInTransaction } from './settle-hold.js';
import { verifyPostgresLedger } from './verify/verify-postgres-ledger.js';

/**
 * The ledger on PostgreSQL, shared by every gateway node (ADR 2026-11-30-cluster-storage). The database must be
 * migrated (migrations/0002-ledger.sql). Same rules, results and errors as the SQLite ledger; how each write stays
 * exact with several nodes is written beside it:
 * - `placeHold`: one statement, decided under the org's row lock (place-hold.ts); one org's admissions that arrive
 *   while its previous ones are being written share one transaction and one commit (batch-place-holds.ts);
 * - `settle`: one transaction (or the caller's, through `settleHoldInTransaction`), org then hold row locked;
 * - `grant`: one transaction, grants serialised by an advisory lock;
 * - `reconcile`: one transaction per sweep under an advisory lock, holds a settlement has locked are skipped;
 * - reads: one statement each; `verify`: one REPEATABLE READ snapshot.
 *
 * Every hold is written by `placeHold` itself, so nothing is ever pending: `flushPending` does nothing and
 * `withPendingWritten` only runs its work (the batching of the SQLite hold book is a single-process design).
 */
export function createPostgresLedger(pool: Pool): AsyncLedger {
  const placeHold = createHoldBatcher(pool);
  return {
    grant: (input) => withTransaction(pool, (client) => grantCreditInTransaction(client, input)),
    placeHold,
    settle: (input) => withTransaction(pool, (client) => settleHoldInTransaction(client, input)),
    reconcile: (nowMs, graceMs) => expireHolds(pool, nowMs, graceMs),
    renew: async (requestIds, expiresAtMs) =>
      (
        await pool.query(
          `UPDATE ledger_holds SET expires_at_ms = $1::bigint
           WHERE request_id = ANY($2::text[]) AND status = 'active' AND expires_at_ms < $1::bigint`,
          [expiresAtMs, requestIds],
        )
      ).rowCount ?? 0,
    balance: (orgId) => readOrgBalance(pool, orgId),
    keySpend: (keyId, windowStartMs) => readKeySpend(pool, keyId, windowStartMs),
    findHold: (requestId) => readHold(pool, requestId),
    activeHolds: () => readActiveHolds(pool),
    postings: (filter) => readPostings(pool, filter),
    verify: (nowMs, graceMs, options) => verifyPostgresLedger(pool, { nowMs, graceMs }, options),
    flushPending: () => Promise.resolve(),
    withPendingWritten: async (work) => await work(),
  };
}
