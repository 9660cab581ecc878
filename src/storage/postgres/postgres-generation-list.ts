import { strict as assert } from 'node:assert';
import type { Pool } from 'pg';
import type { AsyncPort } from '../async-port.js';
import type { GenerationListStore } from '../ports.js';
import { readGenerationRow } from '../read-generation-row.js';
import type { GenerationRow } from './postgres-generation-rows.js';
import { withTransaction } from './with-transaction.js';

/** One org's oldest records before the cutoff, and their prompt logs, in one statement. */
const purgeOrgSql = `
  WITH doomed AS (
    DELETE FROM generations WHERE id IN (
      SELECT id FROM generations WHERE org_id = $1 AND started_at_ms < $2 ORDER BY started_at_ms LIMIT $3)
    RETURNING id),
  content AS (DELETE FROM generation_content c USING doomed WHERE c.generation_id = doomed.id)
  SELECT COUNT(*)::int AS count FROM doomed`;

/**
 * The latest generations of one org, newest first (start time, then id), read through the
 * `(org_id, started_at_ms)` index: a page costs `limit` index steps whatever the table's size. Ties go by id in
 * byte order (the column is `COLLATE "C"`), as in SQLite. Money is exact bigint. The purge walks the same index,
 * each org's oldest records first, in one transaction.
 */
export function createPostgresGenerationList(pool: Pool): AsyncPort<GenerationListStore> {
  return {
    listRecentGenerations: async ({ orgId, limit }) => {
      const { rows } = await pool.query<GenerationRow>(
        'SELECT * FROM generations WHERE org_id = $1 ORDER BY started_at_ms DESC, id DESC LIMIT $2',
        [orgId, limit],
      );
      return rows.map(readGenerationRow);
    },
    purgeGenerationsBefore: (cutoffMs, rowsMax) => {
      assert.ok(Number.isInteger(rowsMax) && rowsMax >= 1, 'rowsMax must be ≥ 1');
      return withTransaction(pool, async (client) => {
        const orgs = await client.query<{ id: string }>('SELECT id FROM orgs ORDER BY id');
        let deleted = 0;
        for (const { id } of orgs.rows) {
          if (deleted >= rowsMax) break;
          const { rows } = await client.query<{ count: number }>(purgeOrgSql, [id, cutoffMs, rowsMax - deleted]);
          deleted += rows[0]?.count ?? 0;
        }
        return deleted;
      });
    },
  };
}
