import { strict as assert } from 'node:assert';
import type { Database } from 'better-sqlite3';
import type { GenerationRecord } from '../../storage/index.js';
import { analyticsLimits } from '../analytics-limits.js';
import { dayMs } from '../civil-date.js';
import { convertAppName } from '../convert-app-name.js';
import { prepareRollupStatement } from './prepare-rollup-statement.js';
import { rollupTables } from './rollup-columns.js';

const keyColumns = ['bucket_start_ms', 'model_id', 'author', 'origin', 'provider_id', 'app', 'org_id', 'key_id'];
const measureColumns = [
  'requests',
  'requests_usage_estimated',
  'requests_usage_unknown',
  'tokens_prompt',
  'tokens_completion',
  'tokens_reasoning',
  'tokens_cached',
  'tokens_total',
  'cost_nanos',
  'upstream_cost_nanos',
];
const buildUpsertSql = (
  table: string,
): string => `INSERT INTO ${table} (${[...keyColumns, ...measureColumns].join(', ')})
  VALUES (${[...keyColumns, ...measureColumns].map(() => '?').join(', ')})
  ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET
  ${measureColumns.map((column) => `${column} = ${column} + excluded.${column}`).join(', ')}`;
const upsertQuarterHourSql = buildUpsertSql(rollupTables.quarterHour);
const upsertDaySql = buildUpsertSql(rollupTables.day);

/** A rollup row being built: its key columns (bucket first), and its measures as exact bigints. */
interface PendingRow {
  readonly key: unknown[];
  readonly measures: bigint[];
}

/**
 * Adds generation records to the usage rollups: into each record's quarter-hour and UTC-day bucket (see
 * migration 0006 for why both). Records of a batch that share a bucket and dimensions are summed first, so
 * it costs at most two prepared upserts per record, fewer under load, and no reads.
 *
 * It must run inside the transaction that inserted those generation rows, and be given only the records that
 * insert actually added: the generation insert is idempotent by id, so a replayed record is skipped there and
 * never counted twice, and rollups and generations commit or roll back together. A late record simply lands
 * in its own (old) buckets.
 *
 * The buckets are those holding `finishedAtMs`: a generation's tokens are spent, and charged by the ledger,
 * when it finishes, so a period's spend here agrees with the period's charges, and a record only exists once
 * it has finished (bucketing by start would add a long stream's usage to a period already reported).
 */
export function applyToRollups(database: Database, records: readonly GenerationRecord[]): void {
  assert.ok(database.inTransaction, 'applyToRollups must run inside the transaction that inserts the generations');
  const quarterHours = new Map<string, PendingRow>();
  const days = new Map<string, PendingRow>();
  for (const record of records) {
    const dimensions = readDimensions(record);
    const measures = readMeasures(record);
    addToPending(
      quarterHours,
      findBucketStartMs(record.finishedAtMs, analyticsLimits.rollupBucketMs),
      dimensions,
      measures,
    );
    addToPending(days, findBucketStartMs(record.finishedAtMs, dayMs), dimensions, measures);
  }
  const upsertQuarterHour = prepareRollupStatement(database, upsertQuarterHourSql);
  for (const row of quarterHours.values()) upsertQuarterHour.run(...row.key, ...row.measures);
  const upsertDay = prepareRollupStatement(database, upsertDaySql);
  for (const row of days.values()) upsertDay.run(...row.key, ...row.measures);
}

function findBucketStartMs(instantMs: number, bucketMs: number): number {
  return Math.floor(instantMs / bucketMs) * bucketMs;
}

function addToPending(
  pending: Map<string, PendingRow>,
  bucketStartMs: number,
  dimensions: readonly string[],
  measures: readonly bigint[],
): void {
  const key = [bucketStartMs, ...dimensions];
  const id = JSON.stringify(key);
  const row = pending.get(id);
  if (row === undefined) {
    pending.set(id, { key, measures: [...measures] });
    return;
  }
  measures.forEach((value, index) => (row.measures[index] = (row.measures[index] ?? 0n) + value));
}

export function readDimensions(record: GenerationRecord): string[] {
  const app = convertAppName(record.appTitle, record.appReferer);
  return [record.modelId, record.author, record.origin, record.providerId, app, record.orgId, record.keyId];
}

/** Unknown (null) counts add 0 and are counted; so is a count no upstream could mean (negative, fractional, huge). */
function readCount(value: number | null): bigint | null {
  const isReal =
    value !== null && Number.isSafeInteger(value) && value >= 0 && value <= analyticsLimits.rollupTokensPerRecordMax;
  return isReal ? BigInt(value) : null;
}

/** In `measureColumns` order. */
export function readMeasures(record: GenerationRecord): bigint[] {
  const prompt = readCount(record.tokensInputTotal);
  const completion = readCount(record.tokensOutputTotal);
  return [
    1n,
    record.isUsageEstimated ? 1n : 0n,
    prompt === null || completion === null ? 1n : 0n,
    prompt ?? 0n,
    completion ?? 0n,
    readCount(record.tokensOutputReasoning) ?? 0n,
    readCount(record.tokensInputCacheRead) ?? 0n,
    (prompt ?? 0n) + (completion ?? 0n),
    record.costNanos,
    record.upstreamCostNanos,
  ];
}
