import { strict as assert } from 'node:assert';
import type { Database } from 'better-sqlite3';
import { limits } from '../../config/limits.js';
import type { OrgRecord, OrgStore, PromptLoggingSetting } from '../ports.js';

interface OrgRow {
  readonly id: string;
  readonly name: string;
  readonly created_at_ms: number;
  readonly markup_basis_points: number;
  readonly prompt_logging_enabled: number;
  readonly prompt_logging_retention_days: number;
}

function fromRow(row: OrgRow): OrgRecord {
  return {
    id: row.id,
    name: row.name,
    createdAtMs: row.created_at_ms,
    markupBasisPoints: row.markup_basis_points,
    promptLogging: {
      isEnabled: row.prompt_logging_enabled === 1,
      retentionDays: row.prompt_logging_retention_days,
    },
  };
}

/**
 * OrgStore on SQLite; statements prepared once. `ensureOrg` never overwrites an existing org, and a new org logs
 * no prompts. The prompt-logging switch the pipeline asks for on every call is answered from memory (see
 * {@link OrgStore.isPromptLoggingEnabled}).
 */
export function createSqliteOrgStore(
  database: Database,
  options: { readonly now?: () => number; readonly settingCacheTtlMs?: number } = {},
): OrgStore {
  const now = options.now ?? Date.now;
  const settingCacheTtlMs = options.settingCacheTtlMs ?? limits.promptLogSettingCacheTtlMs;
  const insert = database.prepare(
    'INSERT INTO orgs (id, name, created_at_ms, markup_basis_points) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
  );
  const columns = 'id, name, created_at_ms, markup_basis_points, prompt_logging_enabled, prompt_logging_retention_days';
  const find = database.prepare(`SELECT ${columns} FROM orgs WHERE id = ?`);
  const all = database.prepare(`SELECT ${columns} FROM orgs ORDER BY created_at_ms, id`);
  const setMarkup = database.prepare('UPDATE orgs SET markup_basis_points = ? WHERE id = ?');
  const setName = database.prepare('UPDATE orgs SET name = ? WHERE id = ?');
  const setPromptLogging = database.prepare(
    'UPDATE orgs SET prompt_logging_enabled = ?, prompt_logging_retention_days = ? WHERE id = ?',
  );
  const readEnabled = database.prepare('SELECT prompt_logging_enabled FROM orgs WHERE id = ?').pluck();
  // Bounded by the number of orgs: only authenticated calls (whose keys belong to existing orgs) ask.
  const enabledCache = new Map<string, { readonly isEnabled: boolean; readonly atMs: number }>();
  return {
    ensureOrg: (record) =>
      insert.run(record.id, record.name, record.createdAtMs, record.markupBasisPoints).changes === 1,
    findOrg: (id) => {
      const row = find.get(id) as OrgRow | undefined;
      return row === undefined ? undefined : fromRow(row);
    },
    listOrgs: () => (all.all() as OrgRow[]).map(fromRow),
    setMarkup: (id, markupBasisPoints) => setMarkup.run(markupBasisPoints, id).changes === 1,
    setName: (id, name) => setName.run(name, id).changes === 1,
    setPromptLogging: (id, setting) => {
      assertSetting(setting);
      const isUpdated = setPromptLogging.run(setting.isEnabled ? 1 : 0, setting.retentionDays, id).changes === 1;
      if (isUpdated) enabledCache.set(id, { isEnabled: setting.isEnabled, atMs: now() });
      return isUpdated;
    },
    isPromptLoggingEnabled: (id) => {
      const cached = enabledCache.get(id);
      const nowMs = now();
      if (cached !== undefined && nowMs - cached.atMs < settingCacheTtlMs) return cached.isEnabled;
      const isEnabled = readEnabled.get(id) === 1;
      enabledCache.set(id, { isEnabled, atMs: nowMs });
      return isEnabled;
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
