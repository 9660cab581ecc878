import type { Database } from 'better-sqlite3';
import type { ProviderPatch, ProviderRecord, ProviderStore } from '../ports.js';
import { readProviderRow } from '../read-provider-row.js';
import type { ProviderRow } from '../read-provider-row.js';

/** The columns of a record, as bound parameters. */
function toRow(record: ProviderRecord): Record<string, unknown> {
  return {
    id: record.id,
    protocol: record.protocol,
    baseUrl: record.baseUrl,
    sealedApiKey: record.apiKey?.sealed ?? null,
    apiKeyKeyId: record.apiKey?.keyId ?? null,
    apiKeyLastFour: record.apiKey?.lastFour ?? null,
    modelsJson: JSON.stringify(record.models),
    createdAtMs: record.createdAtMs,
    updatedAtMs: record.updatedAtMs,
  };
}

function applyPatch(record: ProviderRecord, patch: ProviderPatch, atMs: number): ProviderRecord {
  return {
    ...record,
    ...(patch.baseUrl === undefined ? {} : { baseUrl: patch.baseUrl }),
    ...(patch.apiKey === undefined ? {} : { apiKey: patch.apiKey }),
    ...(patch.models === undefined ? {} : { models: patch.models }),
    updatedAtMs: atMs,
  };
}

/**
 * ProviderStore on SQLite; statements prepared once. The API key column holds only the sealed text the caller
 * passes in: this store never sees a plain key, so it cannot write one.
 */
export function createSqliteProviderStore(database: Database): ProviderStore {
  const insert = database.prepare(
    `INSERT INTO providers (id, protocol, base_url, sealed_api_key, api_key_key_id, api_key_last_four, models_json,
       created_at_ms, updated_at_ms)
     VALUES (@id, @protocol, @baseUrl, @sealedApiKey, @apiKeyKeyId, @apiKeyLastFour, @modelsJson, @createdAtMs, @updatedAtMs)
     ON CONFLICT (id) DO NOTHING`,
  );
  const update = database.prepare(
    `UPDATE providers SET base_url = @baseUrl, sealed_api_key = @sealedApiKey, api_key_key_id = @apiKeyKeyId,
       api_key_last_four = @apiKeyLastFour, models_json = @modelsJson, updated_at_ms = @updatedAtMs
     WHERE id = @id`,
  );
  const byId = database.prepare('SELECT * FROM providers WHERE id = ?');
  const all = database.prepare('SELECT * FROM providers ORDER BY created_at_ms, id');
  const remove = database.prepare('DELETE FROM providers WHERE id = ?');
  const replaceSealed = database.prepare(
    `UPDATE providers SET sealed_api_key = @sealed, api_key_key_id = @keyId
     WHERE id = @id AND sealed_api_key = @previousSealed`,
  );
  const find = (id: string): ProviderRecord | undefined => {
    const row = byId.get(id) as ProviderRow | undefined;
    return row === undefined ? undefined : readProviderRow(row);
  };
  const updateOne = database.transaction((id: string, patch: ProviderPatch, atMs: number) => {
    const current = find(id);
    if (current === undefined) return undefined;
    const updated = applyPatch(current, patch, atMs);
    update.run(toRow(updated));
    return updated;
  });
  const replaceAll = database.transaction((updates: Parameters<ProviderStore['replaceSealedKeys']>[0]) =>
    updates.reduce((written, item) => written + replaceSealed.run(item).changes, 0),
  );
  return {
    insertProvider: (record) => insert.run(toRow(record)).changes === 1,
    findProvider: find,
    listProviders: () => (all.all() as ProviderRow[]).map(readProviderRow),
    updateProvider: (id, patch, atMs) => updateOne(id, patch, atMs),
    deleteProvider: (id) => remove.run(id).changes === 1,
    replaceSealedKeys: (updates) => replaceAll(updates),
  };
}
