import type { Database } from 'better-sqlite3';
import type { GenerationListStore } from '../ports.js';
import { readGenerationRow } from '../read-generation-row.js';
import type { Row } from './sqlite-generation-store.js';

/**
 * The latest generations of one org, newest first, read through the `(org_id, started_at_ms)` index: a page
 * costs `limit` index steps whatever the table's size. Money is read as exact bigints (safe integers).
 */
export function createSqliteGenerationList(database: Database): GenerationListStore {
  const latest = database
    .prepare('SELECT * FROM generations WHERE org_id = ? ORDER BY started_at_ms DESC, id DESC LIMIT ?')
    .safeIntegers(true);
  return {
    listRecentGenerations: ({ orgId, limit }) => (latest.all(orgId, limit) as Row[]).map(readGenerationRow),
  };
}
