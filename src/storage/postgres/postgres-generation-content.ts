import { strict as assert } from 'node:assert';
import type { Pool, PoolClient } from 'pg';
import { dayMs } from '../../analytics/civil-date.js';
import { limits } from '../../config/limits.js';
import type { AsyncPort } from '../async-port.js';
import type { GenerationContentStore, GenerationRecord, StoredGenerationContent } from '../ports.js';
import { boundContent, truncationMarkerPattern } from '../sqlite/sqlite-generation-content.js';
import { convertToPostgresText } from './postgres-generation-rows.js';

/** Below this a bound could not hold the truncation marker itself (as in SQLite). */
const bytesMaxMin = 1_024;

// Only orgs whose stored setting has logging on at this statement get a row: a pipeline that read a stale cached
// "on" stores nothing once the switch is committed off. A switch committed after this statement leaves rows that
// `findContent` already hides and the purge deletes. The retention product is computed in bigint (days × ms/day
// passes 2^31 after 24 days).
const insertSql = `INSERT INTO generation_content (generation_id, org_id, created_at_ms, prompt_json, completion_json)
  SELECT c.generation_id, c.org_id, c.created_at_ms, c.prompt_json, c.completion_json
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])
    AS c (generation_id, org_id, created_at_ms, prompt_json, completion_json)
  JOIN orgs o ON o.id = c.org_id AND o.prompt_logging_enabled
  ON CONFLICT (generation_id) DO NOTHING`;

const findSql = `SELECT c.generation_id, c.org_id, c.created_at_ms, c.prompt_json, c.completion_json
  FROM generation_content c JOIN orgs o ON o.id = c.org_id
  WHERE c.generation_id = $1 AND o.prompt_logging_enabled
    AND c.created_at_ms >= $2::bigint - o.prompt_logging_retention_days::bigint * $3::bigint`;

// Each org's oldest rows first (index generation_content_org_created), orgs by id in byte order, at most $2: the
// rows SQLite's per-org loop deletes, in one statement. SKIP LOCKED: a node purging at the same time takes other
// rows instead of waiting for these, and none is counted twice.
const purgeSql = `DELETE FROM generation_content WHERE generation_id IN (
  SELECT c.generation_id FROM generation_content c JOIN orgs o ON o.id = c.org_id
  WHERE NOT o.prompt_logging_enabled
     OR c.created_at_ms < $1::bigint - o.prompt_logging_retention_days::bigint * $3::bigint
  ORDER BY o.id COLLATE "C", c.created_at_ms
  LIMIT $2
  FOR UPDATE OF c SKIP LOCKED)`;

/**
 * Stores the content of the records the batch newly inserted (bounded to `bytesMax` with the truncation marker, as
 * in SQLite), in the caller's transaction and one statement. A record without content, or of an org with logging
 * off, stores nothing; a replayed id keeps its first content.
 */
export async function insertContentRows(
  client: PoolClient,
  records: readonly GenerationRecord[],
  bytesMax: number = limits.promptLogBytesMax,
): Promise<void> {
  assert.ok(Number.isInteger(bytesMax) && bytesMax >= bytesMaxMin, `bytesMax must be an integer ≥ ${bytesMaxMin}`);
  const columns: unknown[][] = [[], [], [], [], []];
  for (const record of records) {
    if (record.content === undefined) continue;
    const bounded = boundContent(record.content, bytesMax);
    const values = [
      convertToPostgresText(record.id),
      convertToPostgresText(record.orgId),
      record.startedAtMs,
      convertToPostgresText(bounded.promptJson),
      convertToPostgresText(bounded.completionJson),
    ];
    values.forEach((value, index) => columns[index]!.push(value));
  }
  if (columns[0]!.length > 0) await client.query(insertSql, columns);
}

interface ContentRow {
  readonly generation_id: string;
  readonly org_id: string;
  readonly created_at_ms: bigint;
  readonly prompt_json: string;
  readonly completion_json: string;
}

function fromRow(row: ContentRow): StoredGenerationContent {
  return {
    generationId: row.generation_id,
    orgId: row.org_id,
    createdAtMs: Number(row.created_at_ms),
    promptJson: row.prompt_json,
    completionJson: row.completion_json,
    isPromptTruncated: truncationMarkerPattern.test(row.prompt_json),
    isCompletionTruncated: truncationMarkerPattern.test(row.completion_json),
  };
}

/**
 * Reads and purges `generation_content` (migration 0003) with SQLite's rules: a row is readable only while its org
 * has logging on and inside the org's retention at `nowMs`; the purge deletes rows past it, and every row of an org
 * with logging off, at most `rowsMax` per call. Both are single statements, safe with several nodes.
 */
export function createPostgresGenerationContentStore(pool: Pool): AsyncPort<GenerationContentStore> {
  return {
    findContent: async (generationId, nowMs) => {
      const { rows } = await pool.query<ContentRow>(findSql, [generationId, nowMs, dayMs]);
      return rows[0] === undefined ? undefined : fromRow(rows[0]);
    },
    purgeExpiredContent: async (nowMs, rowsMax) => {
      assert.ok(Number.isInteger(rowsMax) && rowsMax >= 1, 'rowsMax must be ≥ 1');
      const { rowCount } = await pool.query(purgeSql, [nowMs, rowsMax, dayMs]);
      return rowCount ?? 0;
    },
  };
}
