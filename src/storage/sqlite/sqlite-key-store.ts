import type { Database } from 'better-sqlite3';
import type { KeyPatch, KeyRecord, KeyRole, KeyStore } from '../ports.js';

interface KeyRow {
  id: string;
  org_id: string;
  name: string;
  role: KeyRole;
  digest: string;
  display_prefix: string;
  last_four: string;
  created_at_ms: bigint;
  revoked_at_ms: bigint | null;
  limit_nanos: bigint | null;
  limit_reset: KeyRecord['limitReset'];
  disabled: bigint;
  expires_at_ms: bigint | null;
  allowed_models: string | null;
  requests_per_minute: bigint | null;
  tokens_per_minute: bigint | null;
  concurrency_max: bigint | null;
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
    revokedAtMs: row.revoked_at_ms === null ? null : Number(row.revoked_at_ms),
    limitNanos: row.limit_nanos,
    limitReset: row.limit_reset,
    isDisabled: row.disabled === 1n,
    expiresAtMs: toNumber(row.expires_at_ms),
    allowedModels: row.allowed_models === null ? null : (JSON.parse(row.allowed_models) as string[]),
    rateLimits: {
      requestsPerMinute: toNumber(row.requests_per_minute),
      tokensPerMinute: toNumber(row.tokens_per_minute),
      concurrencyMax: toNumber(row.concurrency_max),
    },
  };
}

/** The columns of a record, as bound parameters. */
function toRow(record: KeyRecord): Record<string, unknown> {
  return {
    id: record.id,
    orgId: record.orgId,
    name: record.name,
    role: record.role,
    digest: record.digest,
    displayPrefix: record.displayPrefix,
    lastFour: record.lastFour,
    createdAtMs: record.createdAtMs,
    revokedAtMs: record.revokedAtMs,
    limitNanos: record.limitNanos,
    limitReset: record.limitReset,
    disabled: record.isDisabled ? 1 : 0,
    expiresAtMs: record.expiresAtMs,
    allowedModels: record.allowedModels === null ? null : JSON.stringify(record.allowedModels),
    requestsPerMinute: record.rateLimits.requestsPerMinute,
    tokensPerMinute: record.rateLimits.tokensPerMinute,
    concurrencyMax: record.rateLimits.concurrencyMax,
  };
}

/** A record with a patch applied (fields absent from the patch keep their value). */
function applyPatch(record: KeyRecord, patch: KeyPatch): KeyRecord {
  return {
    ...record,
    ...(patch.name === undefined ? {} : { name: patch.name }),
    ...(patch.isDisabled === undefined ? {} : { isDisabled: patch.isDisabled }),
    ...(patch.limitNanos === undefined ? {} : { limitNanos: patch.limitNanos }),
    ...(patch.limitReset === undefined ? {} : { limitReset: patch.limitReset }),
    ...(patch.expiresAtMs === undefined ? {} : { expiresAtMs: patch.expiresAtMs }),
    ...(patch.allowedModels === undefined ? {} : { allowedModels: patch.allowedModels }),
    rateLimits: { ...record.rateLimits, ...patch.rateLimits },
  };
}

/**
 * KeyStore on SQLite; statements prepared once. Keys are found by digest (UNIQUE
 * index), never by secret; limits are read with safe integers (bigint).
 */
export function createSqliteKeyStore(database: Database): KeyStore {
  const insert = database.prepare(
    `INSERT INTO api_keys (id, org_id, name, role, digest, display_prefix, last_four, created_at_ms, revoked_at_ms,
       limit_nanos, limit_reset, disabled, expires_at_ms, allowed_models, requests_per_minute, tokens_per_minute, concurrency_max)
     VALUES (@id, @orgId, @name, @role, @digest, @displayPrefix, @lastFour, @createdAtMs, @revokedAtMs,
       @limitNanos, @limitReset, @disabled, @expiresAtMs, @allowedModels, @requestsPerMinute, @tokensPerMinute, @concurrencyMax)`,
  );
  const update = database.prepare(
    `UPDATE api_keys SET name = @name, limit_nanos = @limitNanos, limit_reset = @limitReset, disabled = @disabled,
       expires_at_ms = @expiresAtMs, allowed_models = @allowedModels, requests_per_minute = @requestsPerMinute,
       tokens_per_minute = @tokensPerMinute, concurrency_max = @concurrencyMax
     WHERE id = @id`,
  );
  const byDigest = database.prepare('SELECT * FROM api_keys WHERE digest = ?').safeIntegers(true);
  const byId = database.prepare('SELECT * FROM api_keys WHERE id = ?').safeIntegers(true);
  const all = database.prepare('SELECT * FROM api_keys ORDER BY created_at_ms, id').safeIntegers(true);
  const byOrg = database
    .prepare('SELECT * FROM api_keys WHERE org_id = ? ORDER BY created_at_ms, id')
    .safeIntegers(true);
  const revoke = database.prepare('UPDATE api_keys SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL');
  const replaceSecret = database
    .prepare(
      `UPDATE api_keys SET digest = ?, display_prefix = ?, last_four = ? WHERE id = ? AND revoked_at_ms IS NULL
       RETURNING *`,
    )
    .safeIntegers(true);
  const countByRole = database.prepare(
    'SELECT COUNT(*) AS count FROM api_keys WHERE role = ? AND revoked_at_ms IS NULL',
  );
  return {
    insertKey: (record) => {
      insert.run(toRow(record));
    },
    findKeyByDigest: (digest) => {
      const row = byDigest.get(digest) as KeyRow | undefined;
      return row === undefined ? undefined : fromRow(row);
    },
    findKeyById: (id) => {
      const row = byId.get(id) as KeyRow | undefined;
      return row === undefined ? undefined : fromRow(row);
    },
    listKeys: (orgId) => ((orgId === undefined ? all.all() : byOrg.all(orgId)) as KeyRow[]).map(fromRow),
    revokeKey: (id, atMs) => revoke.run(atMs, id).changes === 1,
    replaceSecret: (id, secret) => {
      const row = replaceSecret.get(secret.digest, secret.displayPrefix, secret.lastFour, id) as KeyRow | undefined;
      return row === undefined ? undefined : fromRow(row);
    },
    countKeysByRole: (role) => (countByRole.get(role) as { count: number }).count,
    updateKey: (id, patch) => {
      const row = byId.get(id) as KeyRow | undefined;
      if (row === undefined) return undefined;
      const updated = applyPatch(fromRow(row), patch);
      update.run(toRow(updated));
      return updated;
    },
  };
}
