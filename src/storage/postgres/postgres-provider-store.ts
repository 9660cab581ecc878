import type { Pool } from 'pg';
import type { AsyncPort } from '../async-port.js';
import type { ProviderPatch, ProviderStore } from '../ports.js';
import { withTransaction } from './with-transaction.js';
import { readProviderRow } from '../read-provider-row.js';
import type { ProviderRow } from '../read-provider-row.js';

const columns = `id, protocol, base_url, sealed_api_key, api_key_key_id, api_key_last_four, models_json, created_at_ms,
  updated_at_ms`;

/**
 * One statement under the row lock: the API key's three columns move together (flag $2), the base URL and the models
 * only when given. Patches from several nodes to different fields of one provider all survive.
 */
const updateSql = `UPDATE providers SET
    base_url = CASE WHEN $2::boolean THEN $3::text ELSE base_url END,
    sealed_api_key = CASE WHEN $4::boolean THEN $5::text ELSE sealed_api_key END,
    api_key_key_id = CASE WHEN $4::boolean THEN $6::text ELSE api_key_key_id END,
    api_key_last_four = CASE WHEN $4::boolean THEN $7::text ELSE api_key_last_four END,
    models_json = CASE WHEN $8::boolean THEN $9::text ELSE models_json END,
    updated_at_ms = $10
  WHERE id = $1
  RETURNING ${columns}`;

function toUpdateParameters(id: string, patch: ProviderPatch, atMs: number): unknown[] {
  return [
    id,
    patch.baseUrl !== undefined,
    patch.baseUrl ?? null,
    patch.apiKey !== undefined,
    patch.apiKey?.sealed ?? null,
    patch.apiKey?.keyId ?? null,
    patch.apiKey?.lastFour ?? null,
    patch.models !== undefined,
    patch.models === undefined ? null : JSON.stringify(patch.models),
    atMs,
  ];
}

/**
 * ProviderStore on PostgreSQL. The API key columns hold only the sealed text the caller passes in: this store never
 * sees a plain key, so it cannot write one. Several nodes stay correct because every write is decided in the
 * database: an insert by the primary key (`ON CONFLICT DO NOTHING`: one wins), a patch in one statement under the
 * row lock, and a rotation's replacements only where the row still holds the sealed text the rotation read.
 */
export function createPostgresProviderStore(pool: Pool): AsyncPort<ProviderStore> {
  return {
    insertProvider: async (record) => {
      const result = await pool.query(
        `INSERT INTO providers (${columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
        [
          record.id,
          record.protocol,
          record.baseUrl,
          record.apiKey?.sealed ?? null,
          record.apiKey?.keyId ?? null,
          record.apiKey?.lastFour ?? null,
          JSON.stringify(record.models),
          record.createdAtMs,
          record.updatedAtMs,
        ],
      );
      return result.rowCount === 1;
    },
    findProvider: async (id) => {
      const { rows } = await pool.query<ProviderRow>(`SELECT ${columns} FROM providers WHERE id = $1`, [id]);
      return rows[0] === undefined ? undefined : readProviderRow(rows[0]);
    },
    listProviders: async () => {
      const { rows } = await pool.query<ProviderRow>(
        `SELECT ${columns} FROM providers ORDER BY created_at_ms, id COLLATE "C"`,
      );
      return rows.map(readProviderRow);
    },
    updateProvider: async (id, patch, atMs) => {
      const { rows } = await pool.query<ProviderRow>(updateSql, toUpdateParameters(id, patch, atMs));
      return rows[0] === undefined ? undefined : readProviderRow(rows[0]);
    },
    deleteProvider: async (id) => {
      const result = await pool.query('DELETE FROM providers WHERE id = $1', [id]);
      return result.rowCount === 1;
    },
    // One transaction, applied in the given order like the SQLite driver (a later update may match what an earlier
    // one wrote); each UPDATE's condition is re-checked under the row lock, so a key replaced meanwhile through the
    // API on another node is not overwritten.
    replaceSealedKeys: (updates) =>
      withTransaction(pool, async (client) => {
        let written = 0;
        for (const update of updates) {
          const result = await client.query(
            `UPDATE providers SET sealed_api_key = $3, api_key_key_id = $4
             WHERE id = $1 AND sealed_api_key = $2`,
            [update.id, update.previousSealed, update.sealed, update.keyId],
          );
          written += result.rowCount ?? 0;
        }
        return written;
      }),
  };
}
