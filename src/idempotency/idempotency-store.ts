import type { KeyObject } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { openResponse, readStoredHeaders, sealedResponseMarker, sealResponse } from './seal-response.js';
import type { SealedRecordIdentity } from './seal-response.js';

/** Header values as stored and replayed (names lower-case). */
export type StoredHeaders = Readonly<Record<string, string | readonly string[]>>;

/** A row of `idempotency_records`, read back. */
export type IdempotencyRecord =
  | {
      readonly status: 'in_progress';
      readonly fingerprint: string;
      readonly createdAtMs: number;
    }
  | {
      readonly status: 'completed';
      readonly fingerprint: string;
      readonly createdAtMs: number;
      /**
       * Undefined when the stored answer cannot be read: its seal does not open (altered, copied from another row,
       * sealed under another pepper). The service answers 409 rather than run and charge the call again.
       */
      readonly response: StoredResponse | undefined;
    };

/** What a completed first request wrote, replayed to its duplicates. */
export interface StoredResponse {
  readonly status: number;
  readonly headers: StoredHeaders;
  readonly body: Buffer;
}

/** Identifies one claim: the row this request inserted, and no later one. */
export interface IdempotencyClaim {
  readonly keyId: string;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
  /** When it was claimed (also its identity: a later claim of the key has another). */
  readonly createdAtMs: number;
  /** Until when it holds the key unless renewed (`renewLease`): a claim whose process died lapses then. */
  readonly leaseUntilMs: number;
}

export interface IdempotencyStore {
  /** The live record for this key, if any: not expired, and not a claim whose lease lapsed before `nowMs`. */
  readonly findRecord: (
    keyId: string,
    idempotencyKey: string,
    expiredAtMs: number,
    nowMs: number,
  ) => IdempotencyRecord | undefined;
  /**
   * Removes an expired row for this key, or a claim whose lease lapsed before this claim's `createdAtMs`, then inserts
   * `in_progress`; false when a live row already exists.
   */
  readonly claimRecord: (claim: IdempotencyClaim, expiredAtMs: number) => boolean;
  /** Moves our `in_progress` row's lease to `leaseUntilMs` (the running process says it is still running). */
  readonly renewLease: (claim: IdempotencyClaim, leaseUntilMs: number) => void;
  /** Turns our `in_progress` row into `completed` with the stored response, sealed (see {@link sealResponse}). */
  readonly completeRecord: (claim: IdempotencyClaim, response: StoredResponse, completedAtMs: number) => void;
  /** Deletes our `in_progress` row so the client may retry with the same key. */
  readonly releaseRecord: (claim: IdempotencyClaim) => void;
  /** Deletes up to `rowsMax` rows created at or before `expiredAtMs`; returns how many. */
  readonly pruneRecords: (expiredAtMs: number, rowsMax: number) => number;
}

/** The columns of `idempotency_records` a read needs. */
export interface RecordRow {
  fingerprint: string;
  status: string;
  response_status: number | null;
  response_headers: string | null;
  response_body: Buffer | null;
  created_at_ms: number;
}

/**
 * An `in_progress` claim whose lease lapsed at or before the time `parameter` (its process is gone), the columns read
 * from `table` (`idempotency_records.` where the statement needs it). A row without a lease (written before migration
 * 0014) never lapses this way. Both drivers use it.
 */
export function lapsedClaimSql(parameter: string, table = ''): string {
  return `(${table}status = 'in_progress' AND COALESCE(${table}lease_until_ms, 9223372036854775807) <= ${parameter})`;
}
const lapsedClaim = lapsedClaimSql('?');

/**
 * The `idempotency_records` table (migrations 0004 and 0014); statements prepared once. Answers are stored sealed
 * under `sealKey` (`deriveResponseSealKey`, seal-response.ts), never as the client received them.
 * "Expired" means created at or before `expiredAtMs` (now − retention): such rows
 * are invisible to reads and replaced by a new claim. Updates and deletes match
 * the claim's fingerprint, creation time and `in_progress` status, so a slow first
 * request can never complete or delete a row that a later request claimed.
 */
export function createIdempotencyStore(database: Database, sealKey: KeyObject): IdempotencyStore {
  const select = database.prepare(
    `SELECT fingerprint, status, response_status, response_headers, response_body, created_at_ms
     FROM idempotency_records WHERE key_id = ? AND idempotency_key = ? AND created_at_ms > ? AND NOT ${lapsedClaim}`,
  );
  const deleteExpired = database.prepare(
    `DELETE FROM idempotency_records WHERE key_id = ? AND idempotency_key = ? AND (created_at_ms <= ? OR ${lapsedClaim})`,
  );
  const insert = database.prepare(
    `INSERT INTO idempotency_records (key_id, idempotency_key, fingerprint, status, created_at_ms, lease_until_ms)
     VALUES (@keyId, @idempotencyKey, @fingerprint, 'in_progress', @createdAtMs, @leaseUntilMs) ON CONFLICT DO NOTHING`,
  );
  const ownClaim = `key_id = @keyId AND idempotency_key = @idempotencyKey AND fingerprint = @fingerprint
     AND created_at_ms = @createdAtMs AND status = 'in_progress'`;
  const complete = database.prepare(
    `UPDATE idempotency_records SET status = 'completed', response_status = @responseStatus,
     response_headers = @responseHeaders, response_body = @responseBody, completed_at_ms = @completedAtMs
     WHERE ${ownClaim}`,
  );
  const release = database.prepare(`DELETE FROM idempotency_records WHERE ${ownClaim}`);
  const renew = database.prepare(`UPDATE idempotency_records SET lease_until_ms = @leaseUntilMs WHERE ${ownClaim}`);
  const prune = database.prepare(
    `DELETE FROM idempotency_records WHERE rowid IN
     (SELECT rowid FROM idempotency_records WHERE created_at_ms <= ? LIMIT ?)`,
  );
  // IMMEDIATE: the delete-then-insert pair is one write, so two processes cannot both replace an expired row.
  const claim = database.transaction((record: IdempotencyClaim, expiredAtMs: number): boolean => {
    deleteExpired.run(record.keyId, record.idempotencyKey, expiredAtMs, record.createdAtMs);
    return insert.run({ ...record }).changes === 1;
  });
  return {
    findRecord: (keyId, idempotencyKey, expiredAtMs, nowMs) => {
      const row = select.get(keyId, idempotencyKey, expiredAtMs, nowMs) as RecordRow | undefined;
      return row === undefined ? undefined : readRecordRow(row, { keyId, idempotencyKey }, sealKey);
    },
    claimRecord: (record, expiredAtMs) => claim.immediate(record, expiredAtMs),
    completeRecord: (record, response, completedAtMs) => {
      complete.run({ ...record, ...toSealedColumns(record, response, sealKey), completedAtMs });
    },
    releaseRecord: (record) => {
      release.run({ ...record });
    },
    renewLease: (record, leaseUntilMs) => {
      renew.run({ ...record, leaseUntilMs });
    },
    pruneRecords: (expiredAtMs, rowsMax) => prune.run(expiredAtMs, rowsMax).changes,
  };
}

/**
 * The response columns of a completed row: the answer sealed into `response_body`, `response_headers` the marker that
 * says so, and the status (always 2xx, also inside the seal) left readable for operators. Both drivers use it.
 */
export function toSealedColumns(
  identity: SealedRecordIdentity,
  response: StoredResponse,
  sealKey: KeyObject,
): { readonly responseStatus: number; readonly responseHeaders: string; readonly responseBody: Buffer } {
  return {
    responseStatus: response.status,
    responseHeaders: sealedResponseMarker,
    responseBody: sealResponse(sealKey, identity, response),
  };
}

/**
 * A row read back as a record (also used by the PostgreSQL driver, src/storage/postgres/). A sealed answer is opened
 * with the row's identity; a row written before sealing (its headers a JSON object) is read as it was stored, so
 * retries in the 24 h after an upgrade still replay.
 */
export function readRecordRow(
  row: RecordRow,
  key: { readonly keyId: string; readonly idempotencyKey: string },
  sealKey: KeyObject,
): IdempotencyRecord {
  const base = { fingerprint: row.fingerprint, createdAtMs: Number(row.created_at_ms) };
  if (row.status !== 'completed') return { status: 'in_progress', ...base };
  const body = row.response_body ?? Buffer.alloc(0);
  const response =
    row.response_headers === sealedResponseMarker
      ? openResponse(sealKey, { ...key, ...base }, body)
      : readPlainResponse(row.response_status ?? 500, row.response_headers ?? '{}', body);
  return { status: 'completed', ...base, response };
}

/** A row written before answers were sealed; undefined if its headers are not JSON. */
function readPlainResponse(status: number, headers: string, body: Buffer): StoredResponse | undefined {
  try {
    return { status, headers: readStoredHeaders(JSON.parse(headers)), body };
  } catch {
    return undefined;
  }
}
