import { strict as assert } from 'node:assert';
import type { Database } from 'better-sqlite3';
import type { GenerationListStore } from '../ports.js';
import { readGenerationRow } from '../read-generation-row.js';
import type { Row } from './sqlite-generation-store.js';

/**
 * The latest generations of one org, newest first, read through the `(org_id, started_at_ms)` index: a page
 * costs `limit` index steps whatever the table's size. Money is read as exact bigints (safe integers). The purge
 * walks the same index, each org's oldest records first, and takes their prompt logs with them.
 */
export function createSqliteGenerationList(database: Database): GenerationListStore {
  const latest = database
    .prepare('SELECT * FROM generations WHERE org_id = ? ORDER BY started_at_ms DESC, id DESC LIMIT ?')
    .safeIntegers(true);
  const listOrgIds = database.prepare('SELECT id FROM orgs ORDER BY id').pluck();
  const deleteOldest = database
    .prepare(
      `DELETE FROM generations WHERE rowid IN (
         SELECT rowid FROM generations WHERE org_id = ? AND started_at_ms < ? ORDER BY started_at_ms LIMIT ?)
       RETURNING id`,
    )
    .pluck();
  const deleteContent = database.prepare('DELETE FROM generation_content WHERE generation_id = ?');
  const purge = database.transaction((cutoffMs: number, rowsMax: number): number => {
    let deleted = 0;
    for (const orgId of listOrgIds.all() as string[]) {
      if (deleted >= rowsMax) break;
      const ids = deleteOldest.all(orgId, cutoffMs, rowsMax - deleted) as string[];
      for (const id of ids) deleteContent.run(id);
      deleted += ids.length;
    }
    return deleted;
  });
  return {
    listRecentGenerations: ({ orgId, limit }) => (latest.all(orgId, limit) as Row[]).map(readGenerationRow),
    purgeGenerationsBefore: (cutoffMs, rowsMax) => {
      assert.ok(Number.isInteger(rowsMax) && rowsMax >= 1, 'rowsMax must be ≥ 1');
      // IMMEDIATE: take the write lock up front (waiting busy_timeout), not upgrade a read lock mid-way.
      return purge.immediate(cutoffMs, rowsMax);
    },
  };
}
