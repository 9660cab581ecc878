import type { Database } from 'better-sqlite3';

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
      readonly response: StoredResponse;
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
  /** Turns our `in_progress` row into `completed` with the stored response. */
  readonly completeRecord: (claim: IdempotencyClaim, response: StoredResponse, completedAtMs: number) => void;
  /** Deletes our `in_progress` row so the client may retry with the same key. */
  readonly releaseRecord: (claim: IdempotencyClaim) => void;
  /** Deletes up to `rowsMax` rows created at or before `expiredAtMs`; returns how many. */
  readonly pruneRecords: (expiredAtMs: number, rowsMax: number) => number;
}

interface RecordRow {
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
 * The `idempotency_records` table (migrations 0004 and 0014); statements prepared once.
 * "Expired" means created at or before `expiredAtMs` (now − retention): such rows
 * are invisible to reads and replaced by a new claim. Updates and deletes match
 * the claim's fingerprint, creation time and `in_progress` status, so a slow first
 * request can never complete or delete a row that a later request claimed.
 */
export function createIdempotencyStore(database: Database): IdempotencyStore {
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
      return row === undefined ? undefined : readRecordRow(row);
    },
    claimRecord: (record, expiredAtMs) => claim.immediate(record, expiredAtMs),
    completeRecord: (record, response, completedAtMs) => {
      complete.run({
        ...record,
        responseStatus: response.status,
        responseHeaders: JSON.stringify(response.headers),
        responseBody: response.body,
        completedAtMs,
      });
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

/** A row read back as a record (also used by the PostgreSQL driver, src/storage/postgres/). */
export function readRecordRow(row: RecordRow): IdempotencyRecord {
  const base = { fingerprint: row.fingerprint, createdAtMs: Number(row.created_at_ms) };
  if (row.status !== 'completed') return { status: 'in_progress', ...base };
  return {
    status: 'completed',
    ...base,
    response: {
      status: row.response_status ?? 500,
      headers: parseStoredHeaders(row.response_headers ?? '{}'),
      body: row.response_body ?? Buffer.alloc(0),
    },
  };
}

/** Our own JSON, still read defensively: only string and string-array values survive. */
function parseStoredHeaders(text: string): StoredHeaders {
  const value: unknown = JSON.parse(text);
  const headers: Record<string, string | string[]> = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return headers;
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
    if (typeof item === 'string') headers[name] = item;
    else if (Array.isArray(item) && item.every((part) => typeof part === 'string')) headers[name] = item;
  }
  return headers;
}
