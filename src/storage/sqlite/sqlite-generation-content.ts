import { strict as assert } from 'node:assert';
import type { Database } from 'better-sqlite3';
import { limits } from '../../config/limits.js';
import type { GenerationContent, GenerationContentStore, GenerationRecord, StoredGenerationContent } from '../ports.js';

const dayMs = 86_400_000;
/** Below this a bound could not hold the truncation marker itself. */
const bytesMaxMin = 1_024;

/** Ends a field cut at the byte bound. Valid JSON never ends like this, so a reader can tell a cut field. */
export function renderTruncationMarker(originalBytes: number): string {
  return `…[truncated by Meridian: ${originalBytes} bytes]`;
}
export const truncationMarkerPattern = /…\[truncated by Meridian: \d+ bytes\]$/;

/**
 * Bounds a generation's content to `bytesMax` UTF-8 bytes in all. When both fields fit, nothing changes; otherwise
 * the smaller field keeps up to half of the bound, the larger gets the rest, and each cut field keeps its head (cut
 * on a character boundary) followed by {@link renderTruncationMarker} with its original size.
 */
export function boundContent(content: GenerationContent, bytesMax: number): GenerationContent {
  const promptBytes = Buffer.byteLength(content.promptJson);
  const completionBytes = Buffer.byteLength(content.completionJson);
  if (promptBytes + completionBytes <= bytesMax) return content;
  const isPromptSmaller = promptBytes <= completionBytes;
  const smallerBudget = Math.min(isPromptSmaller ? promptBytes : completionBytes, Math.floor(bytesMax / 2));
  const largerBudget = bytesMax - smallerBudget;
  return {
    promptJson: truncateText(content.promptJson, promptBytes, isPromptSmaller ? smallerBudget : largerBudget),
    completionJson: truncateText(
      content.completionJson,
      completionBytes,
      isPromptSmaller ? largerBudget : smallerBudget,
    ),
  };
}

function truncateText(text: string, bytes: number, budgetBytes: number): string {
  if (bytes <= budgetBytes) return text;
  const marker = renderTruncationMarker(bytes);
  const buffer = Buffer.from(text, 'utf8');
  let end = Math.max(0, budgetBytes - Buffer.byteLength(marker));
  // Never split a character: step back from a continuation byte (10xxxxxx) to before its lead byte.
  while (end > 0 && (buffer[end]! & 0xc0) === 0x80) end -= 1;
  return buffer.toString('utf8', 0, end) + marker;
}

/**
 * The insert the generation store runs, inside its batch transaction, for each record it newly stored. Content is
 * written only when the record carries it AND the org's stored setting has logging on at that moment: a pipeline
 * that read a stale cached "on" (logging just turned off elsewhere) still stores nothing.
 */
export function prepareContentInsert(
  database: Database,
  bytesMax: number = limits.promptLogBytesMax,
): (record: GenerationRecord) => void {
  assert.ok(Number.isInteger(bytesMax) && bytesMax >= bytesMaxMin, `bytesMax must be an integer ≥ ${bytesMaxMin}`);
  // `WHERE` before `ON CONFLICT` also keeps SQLite's upsert parser unambiguous for INSERT … SELECT.
  const insert = database.prepare(
    `INSERT INTO generation_content (generation_id, org_id, created_at_ms, prompt_json, completion_json)
     SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM orgs WHERE id = ? AND prompt_logging_enabled = 1)
     ON CONFLICT (generation_id) DO NOTHING`,
  );
  return (record) => {
    if (record.content === undefined) return;
    const bounded = boundContent(record.content, bytesMax);
    insert.run(record.id, record.orgId, record.startedAtMs, bounded.promptJson, bounded.completionJson, record.orgId);
  };
}

interface ContentRow {
  readonly generation_id: string;
  readonly org_id: string;
  readonly created_at_ms: number;
  readonly prompt_json: string;
  readonly completion_json: string;
}

interface OrgRetentionRow {
  readonly id: string;
  readonly prompt_logging_enabled: number;
  readonly prompt_logging_retention_days: number;
}

/**
 * Reads and purges `generation_content` (migration 0009). A row is readable only while its org has logging on and
 * it is inside the org's retention, so turning logging off or a retention passing hides content at once; the purge
 * then deletes it in bounded batches, each org's oldest rows first (index `generation_content_org_created`).
 */
export function createSqliteGenerationContentStore(database: Database): GenerationContentStore {
  const find = database.prepare(
    `SELECT c.generation_id, c.org_id, c.created_at_ms, c.prompt_json, c.completion_json
     FROM generation_content c JOIN orgs o ON o.id = c.org_id
     WHERE c.generation_id = ? AND o.prompt_logging_enabled = 1
       AND c.created_at_ms >= ? - o.prompt_logging_retention_days * ${dayMs}`,
  );
  const listOrgs = database.prepare(
    'SELECT id, prompt_logging_enabled, prompt_logging_retention_days FROM orgs ORDER BY id',
  );
  const deleteBefore = database.prepare(
    `DELETE FROM generation_content WHERE rowid IN (
       SELECT rowid FROM generation_content WHERE org_id = ? AND created_at_ms < ? ORDER BY created_at_ms LIMIT ?)`,
  );
  const purge = database.transaction((nowMs: number, rowsMax: number): number => {
    let deleted = 0;
    for (const org of listOrgs.all() as OrgRetentionRow[]) {
      if (deleted >= rowsMax) break;
      // An org with logging off keeps nothing: every row of it is past its cutoff.
      const cutoffMs =
        org.prompt_logging_enabled === 1 ? nowMs - org.prompt_logging_retention_days * dayMs : Number.MAX_SAFE_INTEGER;
      deleted += deleteBefore.run(org.id, cutoffMs, rowsMax - deleted).changes;
    }
    return deleted;
  });
  return {
    findContent: (generationId, nowMs) => {
      const row = find.get(generationId, nowMs) as ContentRow | undefined;
      return row === undefined ? undefined : fromRow(row);
    },
    purgeExpiredContent: (nowMs, rowsMax) => {
      assert.ok(Number.isInteger(rowsMax) && rowsMax >= 1, 'rowsMax must be ≥ 1');
      // IMMEDIATE: take the write lock up front (waiting busy_timeout), not upgrade a read lock mid-way.
      return purge.immediate(nowMs, rowsMax);
    },
  };
}

function fromRow(row: ContentRow): StoredGenerationContent {
  return {
    generationId: row.generation_id,
    orgId: row.org_id,
    createdAtMs: row.created_at_ms,
    promptJson: row.prompt_json,
    completionJson: row.completion_json,
    isPromptTruncated: truncationMarkerPattern.test(row.prompt_json),
    isCompletionTruncated: truncationMarkerPattern.test(row.completion_json),
  };
}
