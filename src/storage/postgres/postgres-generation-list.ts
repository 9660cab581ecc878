import type { Pool } from 'pg';
import type { AsyncPort } from '../async-port.js';
import type { GenerationListStore } from '../ports.js';
import { readGenerationRow } from '../read-generation-row.js';
import type { GenerationRow } from './postgres-generation-rows.js';

/**
 * The latest generations of one org, newest first (start time, then id), read through the
 * `(org_id, started_at_ms)` index: a page costs `limit` index steps whatever the table's size. Ties go by id in
 * byte order (the column is `COLLATE "C"`), as in SQLite. Money is exact bigint.
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
  };
}
