import type { PoolClient } from 'pg';
import type { GenerationRecord } from '../ports.js';

/** Each column of `generations` (migration 0003) with the array type its values are sent as, in insert order. */
const columnTypes = [
  ['id', 'text'],
  ['request_id', 'text'],
  ['org_id', 'text'],
  ['key_id', 'text'],
  ['app_referer', 'text'],
  ['app_title', 'text'],
  ['model_id', 'text'],
  ['author', 'text'],
  ['origin', 'text'],
  ['provider_id', 'text'],
  ['upstream_model', 'text'],
  ['upstream_id', 'text'],
  ['is_streaming', 'boolean'],
  ['tokens_input_total', 'double precision'],
  ['tokens_input_cache_read', 'double precision'],
  ['tokens_input_cache_write', 'double precision'],
  ['tokens_output_total', 'double precision'],
  ['tokens_output_reasoning', 'double precision'],
  ['is_usage_estimated', 'boolean'],
  ['cost_nanos', 'bigint'],
  ['upstream_cost_nanos', 'bigint'],
  ['finish_reason', 'text'],
  ['finish_reason_raw', 'text'],
  ['ending', 'text'],
  ['error_code', 'text'],
  ['started_at_ms', 'bigint'],
  ['finished_at_ms', 'bigint'],
  ['latency_ms', 'bigint'],
  ['ttft_ms', 'bigint'],
  ['throughput_tokens_per_second', 'double precision'],
  ['usage_raw', 'text'],
] as const;

type ColumnName = (typeof columnTypes)[number][0];
/** A `generations` row as node-postgres returns it (int8 → bigint, float8 → number, boolean → boolean). */
export type GenerationRow = Record<ColumnName, unknown>;

// One statement for the whole batch: each column travels as one array parameter, so the statement text and its
// parameter count stay the same whatever the batch size (no 65 535-parameter ceiling, one plan).
const insertSql = `INSERT INTO generations (${columnTypes.map(([name]) => name).join(', ')})
  SELECT * FROM unnest(${columnTypes.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ')})
  ON CONFLICT (id) DO NOTHING
  RETURNING id`;

/**
 * PostgreSQL text cannot hold U+0000, and one such character from an upstream (an `id`, a raw finish reason) would
 * refuse the whole batch and the settlements riding in it; it is stored as U+FFFD instead. SQLite keeps it.
 */
export function convertToPostgresText(text: string): string;
export function convertToPostgresText(text: string | null): string | null;
export function convertToPostgresText(text: string | null): string | null {
  return text === null || !text.includes('\u0000') ? text : text.replaceAll('\u0000', '\uFFFD');
}

function toValues(record: GenerationRecord): readonly unknown[] {
  const text = convertToPostgresText;
  return [
    text(record.id),
    text(record.requestId),
    text(record.orgId),
    text(record.keyId),
    text(record.appReferer),
    text(record.appTitle),
    text(record.modelId),
    text(record.author),
    text(record.origin),
    text(record.providerId),
    text(record.upstreamModel),
    text(record.upstreamId),
    record.isStreaming,
    record.tokensInputTotal,
    record.tokensInputCacheRead,
    record.tokensInputCacheWrite,
    record.tokensOutputTotal,
    record.tokensOutputReasoning,
    record.isUsageEstimated,
    record.costNanos,
    record.upstreamCostNanos,
    text(record.finishReason),
    text(record.finishReasonRaw),
    text(record.ending),
    text(record.errorCode),
    record.startedAtMs,
    record.finishedAtMs,
    record.latencyMs,
    record.ttftMs,
    record.throughputTokensPerSecond,
    text(record.usageRaw),
  ];
}

/**
 * Inserts the records not stored yet, in one statement inside the caller's transaction, and returns those it added
 * (in batch order). Idempotent by id: a record whose id is stored, or repeated earlier in the batch, adds nothing
 * (the first of a batch wins, as in SQLite). Rows go in id order, so two batches sharing ids lock them in the same
 * order. With several nodes, a second insert of an id waits for the first's transaction and then adds nothing; if
 * that one rolls back, the second adds it — an id is stored and counted exactly once either way.
 */
export async function insertGenerationRows(
  client: PoolClient,
  records: readonly GenerationRecord[],
): Promise<GenerationRecord[]> {
  const firstById = new Map<string, GenerationRecord>();
  for (const record of records) if (!firstById.has(record.id)) firstById.set(record.id, record);
  if (firstById.size === 0) return [];
  const ordered = [...firstById.values()].sort((left, right) => (left.id < right.id ? -1 : 1));
  const columns: unknown[][] = columnTypes.map(() => []);
  for (const record of ordered) toValues(record).forEach((value, index) => columns[index]!.push(value));
  const { rows } = await client.query<{ id: string }>(insertSql, columns);
  const insertedIds = new Set(rows.map((row) => row.id));
  return [...firstById.values()].filter((record) => insertedIds.has(convertToPostgresText(record.id)));
}
