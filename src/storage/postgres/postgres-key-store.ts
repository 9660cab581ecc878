import pg from 'pg';
import type { Pool } from 'pg';
import type { AsyncPort } from '../async-port.js';
import type { KeyPatch, KeyRecord, KeyRole, KeyStore } from '../ports.js';

interface KeyRow {
  readonly id: string;
  readonly org_id: string;
  readonly name: string;
  readonly role: KeyRole;
  readonly digest: string;
  readonly display_prefix: string;
  readonly last_four: string;
  readonly created_at_ms: bigint;
  readonly revoked_at_ms: bigint | null;
  readonly limit_nanos: bigint | null;
  readonly limit_reset: KeyRecord['limitReset'];
  readonly disabled: boolean;
  readonly expires_at_ms: bigint | null;
  readonly allowed_models: string[] | null;
  readonly requests_per_minute: bigint | null;
  readonly tokens_per_minute: bigint | null;
  readonly concurrency_max: bigint | null;
}

const toNumber = (value: bigint | null): number | null => (value === null ? null : Number(value));

function fromRow(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    role: row.role,
    digest: row.digest,
    displayPrefix: row.display_prefix,
    lastFour: row.last_four,
    createdAtMs: Number(row.created_at_ms),
    revokedAtMs: toNumber(row.revoked_at_ms),
    limitNanos: row.limit_nanos,
    limitReset: row.limit_reset,
    isDisabled: row.disabled,
    expiresAtMs: toNumber(row.expires_at_ms),
    allowedModels: row.allowed_models,
    rateLimits: {
      requestsPerMinute: toNumber(row.requests_per_minute),
      tokensPerMinute: toNumber(row.tokens_per_minute),
      concurrencyMax: toNumber(row.concurrency_max),
    },
  };
}

const columns = `id, org_id, name, role, digest, display_prefix, last_four, created_at_ms, revoked_at_ms, limit_nanos,
  limit_reset, disabled, expires_at_ms, allowed_models, requests_per_minute, tokens_per_minute, concurrency_max`;

const insertSql = `INSERT INTO api_keys (${columns})
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`;

/**
 * One statement: each patched column is written only when its flag is true (an absent patch field keeps the stored
 * value, a null one clears it). Row lock, no read-then-write: patches from several nodes to different fields of one
 * key all survive.
 */
const updateSql = `UPDATE api_keys SET
    name = CASE WHEN $2::boolean THEN $3::text ELSE name END,
    disabled = CASE WHEN $4::boolean THEN $5::boolean ELSE disabled END,
    limit_nanos = CASE WHEN $6::boolean THEN $7::bigint ELSE limit_nanos END,
    limit_reset = CASE WHEN $8::boolean THEN $9::text ELSE limit_reset END,
    expires_at_ms = CASE WHEN $10::boolean THEN $11::bigint ELSE expires_at_ms END,
    allowed_models = CASE WHEN $12::boolean THEN $13::text[] ELSE allowed_models END,
    requests_per_minute = CASE WHEN $14::boolean THEN $15::bigint ELSE requests_per_minute END,
    tokens_per_minute = CASE WHEN $16::boolean THEN $17::bigint ELSE tokens_per_minute END,
    concurrency_max = CASE WHEN $18::boolean THEN $19::bigint ELSE concurrency_max END
  WHERE id = $1
  RETURNING ${columns}`;

function toInsertParameters(record: KeyRecord): unknown[] {
  return [
    record.id,
    record.orgId,
    record.name,
    record.role,
    record.digest,
    record.displayPrefix,
    record.lastFour,
    record.createdAtMs,
    record.revokedAtMs,
    record.limitNanos,
    record.limitReset,
    record.isDisabled,
    record.expiresAtMs,
    record.allowedModels,
    record.rateLimits.requestsPerMinute,
    record.rateLimits.tokensPerMinute,
    record.rateLimits.concurrencyMax,
  ];
}

/** `[isSet, value]` for one patch field: undefined = absent (keep), anything else (null included) = write. */
const patchPair = (value: unknown): [boolean, unknown] => [value !== undefined, value ?? null];

function toUpdateParameters(id: string, patch: KeyPatch): unknown[] {
  return [
    id,
    ...patchPair(patch.name),
    ...patchPair(patch.isDisabled),
    ...patchPair(patch.limitNanos),
    ...patchPair(patch.limitReset),
    ...patchPair(patch.expiresAtMs),
    ...patchPair(patch.allowedModels),
    ...patchPair(patch.rateLimits?.requestsPerMinute),
    ...patchPair(patch.rateLimits?.tokensPerMinute),
    ...patchPair(patch.rateLimits?.concurrencyMax),
  ];
}

/**
 * The constraint failures callers tell apart (`meridian` bootstrap recognises a taken digest), reported with the
 * SQLite driver's messages so both drivers fail alike; the PostgreSQL error stays as `cause`.
 */
function convertConstraintError(error: unknown): unknown {
  if (!(error instanceof pg.DatabaseError)) return error;
  if (error.code === '23505' && error.constraint === 'api_keys_digest_unique') {
    return new Error('UNIQUE constraint failed: api_keys.digest', { cause: error });
  }
  if (error.code === '23505' && error.constraint === 'api_keys_pkey') {
    return new Error('UNIQUE constraint failed: api_keys.id', { cause: error });
  }
  if (error.code === '23503') return new Error('FOREIGN KEY constraint failed', { cause: error });
  return error;
}

/**
 * KeyStore on PostgreSQL. Keys are found by digest (unique index), never by secret; limits come back as exact
 * bigint. Every write is one statement, so several nodes stay correct without coordination: an insert is decided by
 * the unique constraints, a revocation only by the row still unrevoked (`revoked_at_ms IS NULL`: the first wins and
 * keeps its time), a patch under the row lock touching only its own fields.
 */
export function createPostgresKeyStore(pool: Pool): AsyncPort<KeyStore> {
  const findOne = async (where: 'digest' | 'id', value: string): Promise<KeyRecord | undefined> => {
    const { rows } = await pool.query<KeyRow>(`SELECT ${columns} FROM api_keys WHERE ${where} = $1`, [value]);
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  };
  return {
    insertKey: async (record) => {
      try {
        await pool.query(insertSql, toInsertParameters(record));
      } catch (error) {
        throw convertConstraintError(error);
      }
    },
    findKeyByDigest: (digest) => findOne('digest', digest),
    findKeyById: (id) => findOne('id', id),
    listKeys: async (orgId) => {
      const { rows } =
        orgId === undefined
          ? await pool.query<KeyRow>(`SELECT ${columns} FROM api_keys ORDER BY created_at_ms, id COLLATE "C"`)
          : await pool.query<KeyRow>(
              `SELECT ${columns} FROM api_keys WHERE org_id = $1 ORDER BY created_at_ms, id COLLATE "C"`,
              [orgId],
            );
      return rows.map(fromRow);
    },
    revokeKey: async (id, atMs) => {
      const result = await pool.query(
        'UPDATE api_keys SET revoked_at_ms = $2 WHERE id = $1 AND revoked_at_ms IS NULL',
        [id, atMs],
      );
      return result.rowCount === 1;
    },
    replaceSecret: async (id, secret) => {
      try {
        const { rows } = await pool.query<KeyRow>(
          `UPDATE api_keys SET digest = $2, display_prefix = $3, last_four = $4 WHERE id = $1 AND revoked_at_ms IS NULL
           RETURNING ${columns}`,
          [id, secret.digest, secret.displayPrefix, secret.lastFour],
        );
        return rows[0] === undefined ? undefined : fromRow(rows[0]);
      } catch (error) {
        throw convertConstraintError(error);
      }
    },
    updateKey: async (id, patch) => {
      const { rows } = await pool.query<KeyRow>(updateSql, toUpdateParameters(id, patch));
      return rows[0] === undefined ? undefined : fromRow(rows[0]);
    },
    countKeysByRole: async (role) => {
      const { rows } = await pool.query<{ count: bigint }>(
        'SELECT COUNT(*) AS count FROM api_keys WHERE role = $1 AND revoked_at_ms IS NULL',
        [role],
      );
      return Number(rows[0]!.count);
    },
  };
}
