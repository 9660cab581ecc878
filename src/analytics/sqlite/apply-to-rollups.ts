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
const buildUpsertSql = (table: string): string => `INSERT INTO ${table} (${[...keyColumns, ...measureColumns].join(', ')})
  VALUES (${[...keyColumns, ...measureColumns].map(() => '?').join(', ')})
  ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET
  ${measureColumns.map((column) => `${column} = ${column} + excluded.${column}`).join(', ')}`;
const upsertQuarterHourSql = buildUpsertSql(rollupTables.quarterHour);
const upsertDaySql = buildUpsertSql(rollupTables.day);

/**
 * Adds generation records to the usage rollups: two prepared upserts per record, into its quarter-hour and
 * its UTC-day bucket (see the migration for why both), and no reads. It must run inside the transaction that inserted those generation rows, and be given
 * only the records that insert actually added: the generation insert is idempotent by id, so a replayed
 * record is skipped there and never counted twice, and rollups and generations commit or roll back
 * together. A late record simply lands in its own (old) bucket.
 *
 * The bucket is the one holding `finishedAtMs`: a generation's tokens are spent, and charged by the ledger,
 * when it finishes, so a period's spend here agrees with the period's charges, and a record can only exist
 * once it has finished (bucketing by start would put a long stream's usage in a period already reported).
 */
export function applyToRollups(database: Database, records: readonly GenerationRecord[]): void {
  assert.ok(database.inTransaction, 'applyToRollups must run inside the transaction that inserts the generations');
  const upsertQuarterHour = prepareRollupStatement(database, upsertQuarterHourSql);
  const upsertDay = prepareRollupStatement(database, upsertDaySql);
  for (const record of records) {
    const row = convertToRollupRow(record);
    upsertQuarterHour.run(findBucketStartMs(record.finishedAtMs, analyticsLimits.rollupBucketMs), ...row);
    upsertDay.run(findBucketStartMs(record.finishedAtMs, dayMs), ...row);
  }
}

function findBucketStartMs(instantMs: number, bucketMs: number): number {
  return Math.floor(instantMs / bucketMs) * bucketMs;
}

/** Unknown (null) counts add 0 and are counted; so is a count no upstream could mean (negative, fractional). */
function readCount(value: number | null): number | null {
  return value !== null && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** The row after its bucket: dimensions, then measures. */
function convertToRollupRow(record: GenerationRecord): unknown[] {
  const prompt = readCount(record.tokensInputTotal);
  const completion = readCount(record.tokensOutputTotal);
  return [
    record.modelId,
    record.author,
    record.origin,
    record.providerId,
    convertAppName(record.appTitle, record.appReferer),
    record.orgId,
    record.keyId,
    1,
    record.isUsageEstimated ? 1 : 0,
    prompt === null || completion === null ? 1 : 0,
    prompt ?? 0,
    completion ?? 0,
    readCount(record.tokensOutputReasoning) ?? 0,
    readCount(record.tokensInputCacheRead) ?? 0,
    (prompt ?? 0) + (completion ?? 0),
    record.costNanos,
    record.upstreamCostNanos,
  ];
}
