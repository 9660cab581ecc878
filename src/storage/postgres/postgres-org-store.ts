import { strict as assert } from 'node:assert';
import type { Pool } from 'pg';
import { limits } from '../../config/limits.js';
import type { AsyncPort } from '../async-port.js';
import type { OrgRecord, OrgStore, PromptLoggingSetting } from '../ports.js';

interface OrgRow {
  readonly id: string;
  readonly name: string;
  readonly created_at_ms: bigint;
  readonly markup_basis_points: bigint;
  readonly prompt_logging_enabled: boolean;
  readonly prompt_logging_retention_days: number;
}

function fromRow(row: OrgRow): OrgRecord {
  return {
    id: row.id,
    name: row.name,
    createdAtMs: Number(row.created_at_ms),
    markupBasisPoints: Number(row.markup_basis_points),
    promptLogging: {
      isEnabled: row.prompt_logging_enabled,
      retentionDays: row.prompt_logging_retention_days,
    },
  };
}

const columns = 'id, name, created_at_ms, markup_basis_points, prompt_logging_enabled, prompt_logging_retention_days';

/**
 * OrgStore on PostgreSQL. `ensureOrg` never overwrites an existing org (`ON CONFLICT DO NOTHING`: of several nodes
 * creating one org, exactly one reports it created), and a new org logs no prompts. Every write is one statement;
 * `setMarkup`, `setName` and `setPromptLogging` are plain UPDATEs of the row, so of two nodes' changes the last one wins, as with
 * two processes on one SQLite file.
 *
 * The prompt-logging switch, asked on every model call, keeps the SQLite driver's contract
 * ({@link OrgStore.isPromptLoggingEnabled}) with a per-node memory cache rather than a round trip per call:
 * - this store's own writes update its cache at once; another node's change is read at most
 *   `limits.promptLogSettingCacheTtlMs` later (the same bound as another process on one SQLite file);
 * - concurrent misses for one org share one query, and a read that started before this store's own write never
 *   overwrites what the write cached;
 * - the generation insert re-checks the stored setting in its transaction, so a stale `true` never stores content
 *   (a stale `false` only skips capture for at most the TTL after another node enables logging).
 * LISTEN/NOTIFY could push changes between nodes sooner; it needs a dedicated connection per node and reconnect
 * handling, and the TTL is already the documented bound, so it is not used.
 */
export function createPostgresOrgStore(
  pool: Pool,
  options: { readonly now?: () => number; readonly settingCacheTtlMs?: number } = {},
): AsyncPort<OrgStore> {
  const now = options.now ?? Date.now;
  const settingCacheTtlMs = options.settingCacheTtlMs ?? limits.promptLogSettingCacheTtlMs;
  // Bounded by the number of orgs: only authenticated calls (whose keys belong to existing orgs) ask.
  const enabledCache = new Map<string, { readonly isEnabled: boolean; readonly atMs: number }>();
  const refreshing = new Map<string, Promise<boolean>>();
  let writeCount = 0;

  const refreshEnabled = async (id: string): Promise<boolean> => {
    const writeCountAtStart = writeCount;
    const startedAtMs = now();
    const { rows } = await pool.query<{ prompt_logging_enabled: boolean }>(
      'SELECT prompt_logging_enabled FROM orgs WHERE id = $1',
      [id],
    );
    const isEnabled = rows[0]?.prompt_logging_enabled === true;
    if (writeCount === writeCountAtStart) enabledCache.set(id, { isEnabled, atMs: startedAtMs });
    return isEnabled;
  };

  return {
    ensureOrg: async (record) => {
      const result = await pool.query(
        `INSERT INTO orgs (id, name, created_at_ms, markup_basis_points) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO NOTHING`,
        [record.id, record.name, record.createdAtMs, record.markupBasisPoints],
      );
      return result.rowCount === 1;
    },
    findOrg: async (id) => {
      const { rows } = await pool.query<OrgRow>(`SELECT ${columns} FROM orgs WHERE id = $1`, [id]);
      return rows[0] === undefined ? undefined : fromRow(rows[0]);
    },
    listOrgs: async () => {
      const { rows } = await pool.query<OrgRow>(`SELECT ${columns} FROM orgs ORDER BY created_at_ms, id COLLATE "C"`);
      return rows.map(fromRow);
    },
    setMarkup: async (id, markupBasisPoints) => {
      const result = await pool.query('UPDATE orgs SET markup_basis_points = $2 WHERE id = $1', [
        id,
        markupBasisPoints,
      ]);
      return result.rowCount === 1;
    },
    setName: async (id, name) => {
      const result = await pool.query('UPDATE orgs SET name = $2 WHERE id = $1', [id, name]);
      return result.rowCount === 1;
    },
    setPromptLogging: async (id, setting) => {
      assertSetting(setting);
      const result = await pool.query(
        'UPDATE orgs SET prompt_logging_enabled = $2, prompt_logging_retention_days = $3 WHERE id = $1',
        [id, setting.isEnabled, setting.retentionDays],
      );
      const isUpdated = result.rowCount === 1;
      if (isUpdated) {
        writeCount += 1;
        enabledCache.set(id, { isEnabled: setting.isEnabled, atMs: now() });
      }
      return isUpdated;
    },
    isPromptLoggingEnabled: (id) => {
      const cached = enabledCache.get(id);
      if (cached !== undefined && now() - cached.atMs < settingCacheTtlMs) return Promise.resolve(cached.isEnabled);
      const pending = refreshing.get(id);
      if (pending !== undefined) return pending;
      const refresh = refreshEnabled(id).finally(() => refreshing.delete(id));
      refreshing.set(id, refresh);
      return refresh;
    },
  };
}

function assertSetting(setting: PromptLoggingSetting): void {
  assert.ok(
    Number.isInteger(setting.retentionDays) &&
      setting.retentionDays >= 1 &&
      setting.retentionDays <= limits.promptLogRetentionDaysMax,
    `retentionDays must be an integer from 1 to ${limits.promptLogRetentionDaysMax}`,
  );
}
