import type { GenerationRecord } from '../storage/index.js';
import { analyticsLimits } from './analytics-limits.js';
import { dayMs } from './civil-date.js';
import { convertAppName } from './convert-app-name.js';

/** The key columns of both rollup tables, bucket first (see migration 0006). */
export const rollupKeyColumns = [
  'bucket_start_ms',
  'model_id',
  'author',
  'origin',
  'provider_id',
  'app',
  'org_id',
  'key_id',
] as const;

/** The measure columns of both rollup tables, in the order of a {@link RollupRow}'s measures. */
export const rollupMeasureColumns = [
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
] as const;

/** A rollup row being built: its id (the key as JSON), its key (bucket first), and its measures as exact bigints. */
export interface RollupRow {
  readonly id: string;
  readonly key: readonly (number | string)[];
  readonly measures: bigint[];
}

/** The rows of each grain, keyed by row id, in the order their first record came. */
export interface RollupRows {
  readonly quarterHours: ReadonlyMap<string, RollupRow>;
  readonly days: ReadonlyMap<string, RollupRow>;
}

/**
 * Sums records into rollup rows of both grains, whichever driver writes them: each record lands in the quarter-hour
 * and the UTC day holding its `finishedAtMs`, and records sharing a bucket and dimensions are summed into one row.
 * Records of answers served from the response cache (ending `cache`) are left out.
 * `convertText` adapts each dimension to what the driver can store (identity by default).
 */
export function groupRollupRows(
  records: readonly GenerationRecord[],
  convertText: (text: string) => string = (text) => text,
): RollupRows {
  const quarterHours = new Map<string, RollupRow>();
  const days = new Map<string, RollupRow>();
  for (const record of records) {
    // An answer from the gateway's response cache consumed no model's tokens: the barometer counts upstream usage.
    if (record.ending === 'cache') continue;
    const dimensions = readDimensions(record).map((text) => convertText(text));
    const measures = readMeasures(record);
    addToPending(
      quarterHours,
      [findBucketStartMs(record.finishedAtMs, analyticsLimits.rollupBucketMs), ...dimensions],
      measures,
    );
    addToPending(days, [findBucketStartMs(record.finishedAtMs, dayMs), ...dimensions], measures);
  }
  return { quarterHours, days };
}

function findBucketStartMs(instantMs: number, bucketMs: number): number {
  return Math.floor(instantMs / bucketMs) * bucketMs;
}

function addToPending(
  pending: Map<string, RollupRow>,
  key: readonly (number | string)[],
  measures: readonly bigint[],
): void {
  const id = JSON.stringify(key);
  const row = pending.get(id);
  if (row === undefined) {
    pending.set(id, { id, key, measures: [...measures] });
    return;
  }
  measures.forEach((value, index) => (row.measures[index] = (row.measures[index] ?? 0n) + value));
}

function readDimensions(record: GenerationRecord): string[] {
  const app = convertAppName(record.appTitle, record.appReferer);
  return [record.modelId, record.author, record.origin, record.providerId, app, record.orgId, record.keyId];
}

/** Unknown (null) counts add 0 and are counted; so is a count no upstream could mean (negative, fractional, huge). */
function readCount(value: number | null): bigint | null {
  const isReal =
    value !== null && Number.isSafeInteger(value) && value >= 0 && value <= analyticsLimits.rollupTokensPerRecordMax;
  return isReal ? BigInt(value) : null;
}

/** In `rollupMeasureColumns` order. */
function readMeasures(record: GenerationRecord): bigint[] {
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
