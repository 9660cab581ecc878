import type { Database } from 'better-sqlite3';
import type { KeyRecord, KeyRole, KeyStore } from '../ports.js';

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
}

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
  };
}

/**
 * KeyStore on SQLite; statements prepared once. Keys are found by digest (UNIQUE
 * index), never by secret; limits are read with safe integers (bigint).
 */
export function createSqliteKeyStore(database: Database): KeyStore {
  const insert = database.prepare(
    `INSERT INTO api_keys (id, org_id, name, role, digest, display_prefix, last_four, created_at_ms, revoked_at_ms, limit_nanos, limit_reset)
     VALUES (@id, @orgId, @name, @role, @digest, @displayPrefix, @lastFour, @createdAtMs, @revokedAtMs, @limitNanos, @limitReset)`,
  );
  const byDigest = database.prepare('SELECT * FROM api_keys WHERE digest = ?').safeIntegers(true);
  const byId = database.prepare('SELECT * FROM api_keys WHERE id = ?').safeIntegers(true);
  const all = database.prepare('SELECT * FROM api_keys ORDER BY created_at_ms, id').safeIntegers(true);
  const byOrg = database
    .prepare('SELECT * FROM api_keys WHERE org_id = ? ORDER BY created_at_ms, id')
    .safeIntegers(true);
  const revoke = database.prepare('UPDATE api_keys SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL');
  const countByRole = database.prepare(
    'SELECT COUNT(*) AS count FROM api_keys WHERE role = ? AND revoked_at_ms IS NULL',
  );
  return {
    insertKey: (record) => {
      insert.run({ ...record });
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
    countKeysByRole: (role) => (countByRole.get(role) as { count: number }).count,
  };
}
