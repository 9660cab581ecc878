import type { KeyObject } from 'node:crypto';
import type { Pool } from 'pg';
import { lapsedClaimSql, readRecordRow, toSealedColumns } from '../../idempotency/idempotency-store.js';
import type { IdempotencyClaim, IdempotencyStore } from '../../idempotency/idempotency-store.js';
import type { AsyncPort } from '../async-port.js';

interface RecordRow {
  readonly fingerprint: string;
  readonly status: string;
  readonly response_status: number | null;
  readonly response_headers: string | null;
  readonly response_body: Buffer | null;
  readonly created_at_ms: bigint;
}

/**
 * The claim in one statement. No row: the INSERT wins. A row: it is replaced only if it has expired (created at or
 * before `$5`), or is a claim whose lease lapsed before this one (`$4`: its node died mid-call). Several nodes claiming one key at once serialise on the unique index and then on the row lock, and
 * the loser re-checks the expiry against the winner's new row (READ COMMITTED re-evaluates `DO UPDATE … WHERE` on
 * the latest version), so exactly one claim reports true, and an expired row is replaced exactly once.
 * This folds the SQLite driver's "delete the expired row, then INSERT … ON CONFLICT DO NOTHING" into a single
 * round trip with the same outcome.
 */
const claimSql = `INSERT INTO idempotency_records (key_id, idempotency_key, fingerprint, status, created_at_ms,
    lease_until_ms)
  VALUES ($1, $2, $3, 'in_progress', $4, $6)
  ON CONFLICT (key_id, idempotency_key) DO UPDATE SET
    fingerprint = EXCLUDED.fingerprint, status = 'in_progress', response_status = NULL, response_headers = NULL,
    response_body = NULL, created_at_ms = EXCLUDED.created_at_ms, completed_at_ms = NULL,
    lease_until_ms = EXCLUDED.lease_until_ms
  WHERE idempotency_records.created_at_ms <= $5 OR ${lapsedClaimSql('$4', 'idempotency_records.')}`;

/** Matches only the row this claim inserted, still in progress: a slow first request never touches a later claim. */
const ownClaim = `key_id = $1 AND idempotency_key = $2 AND fingerprint = $3 AND created_at_ms = $4
  AND status = 'in_progress'`;

const claimParameters = (claim: IdempotencyClaim): unknown[] => [
  claim.keyId,
  claim.idempotencyKey,
  claim.fingerprint,
  claim.createdAtMs,
];

/**
 * The `idempotency_records` table (PostgreSQL migration 0001) behind the same port as the SQLite store
 * (src/idempotency/idempotency-store.ts): "expired" means created at or before `expiredAtMs` (now − retention); such
 * rows are invisible to reads and replaced by a new claim. Every write is one statement whose condition is checked
 * under the row lock, so concurrent nodes cannot both win a claim, nor complete or delete each other's claims.
 * Answers are sealed under `sealKey`, derived from the key pepper that every node of the cluster shares, so any node
 * opens what another stored.
 */
export function createPostgresIdempotencyStore(pool: Pool, sealKey: KeyObject): AsyncPort<IdempotencyStore> {
  return {
    findRecord: async (keyId, idempotencyKey, expiredAtMs, nowMs) => {
      const { rows } = await pool.query<RecordRow>(
        `SELECT fingerprint, status, response_status, response_headers, response_body, created_at_ms
         FROM idempotency_records WHERE key_id = $1 AND idempotency_key = $2 AND created_at_ms > $3
         AND NOT ${lapsedClaimSql('$4')}`,
        [keyId, idempotencyKey, expiredAtMs, nowMs],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      return readRecordRow({ ...row, created_at_ms: Number(row.created_at_ms) }, { keyId, idempotencyKey }, sealKey);
    },
    claimRecord: async (claim, expiredAtMs) => {
      const result = await pool.query(claimSql, [...claimParameters(claim), expiredAtMs, claim.leaseUntilMs]);
      return result.rowCount === 1;
    },
    completeRecord: async (claim, response, completedAtMs) => {
      const sealed = toSealedColumns(claim, response, sealKey);
      await pool.query(
        `UPDATE idempotency_records SET status = 'completed', response_status = $5, response_headers = $6,
           response_body = $7, completed_at_ms = $8
         WHERE ${ownClaim}`,
        [...claimParameters(claim), sealed.responseStatus, sealed.responseHeaders, sealed.responseBody, completedAtMs],
      );
    },
    releaseRecord: async (claim) => {
      await pool.query(`DELETE FROM idempotency_records WHERE ${ownClaim}`, claimParameters(claim));
    },
    renewLease: async (claim, leaseUntilMs) => {
      await pool.query(`UPDATE idempotency_records SET lease_until_ms = $5 WHERE ${ownClaim}`, [
        ...claimParameters(claim),
        leaseUntilMs,
      ]);
    },
    // SKIP LOCKED: nodes pruning at once take different rows instead of waiting for each other; the outer condition
    // keeps a row that a new claim replaced meanwhile.
    pruneRecords: async (expiredAtMs, rowsMax) => {
      const result = await pool.query(
        `DELETE FROM idempotency_records WHERE created_at_ms <= $1 AND (key_id, idempotency_key) IN (
           SELECT key_id, idempotency_key FROM idempotency_records WHERE created_at_ms <= $1
           LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [expiredAtMs, rowsMax],
      );
      return result.rowCount ?? 0;
    },
  };
}
