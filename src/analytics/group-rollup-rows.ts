import type { GenerationRecord } from '../storage/index.js';
import { analyticsLimits } from './analytics-limits.js';
import type { AdmitApp } from './app-name-budget.js';
import { admitEveryApp } from './app-name-budget.js';
import { dayMs } from './civil-date.js';
import { convertAppName } from './convert-app-name.js';
import { rollupTables } from './sqlite/rollup-columns.js';

/** The key columns of the barometer's rollup tables, bucket first (see migration 0013). */
export const barometerKeyColumns = ['bucket_start_ms', 'model_id', 'author', 'origin', 'provider_id', 'app'] as const;

/** The key columns of the per-key rollup tables: the barometer's, then org and key (see migration 0006). */
export const rollupKeyColumns = [...barometerKeyColumns, 'org_id', 'key_id'] as const;

/** The measure columns of every rollup table, in the order of a {@link RollupRow}'s measures. */
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

/** The largest value a rollup column holds: a signed 64-bit integer in both SQLite and PostgreSQL. */
export const rollupValueMax = 2n ** 63n - 1n;

/**
 * The SQL that adds to a measure column in an upsert (`current` + `added`). The money columns stop at
 * {@link rollupValueMax} instead of overflowing: an overflow would fail the upsert and with it the generation batch it
 * rides in, and analytics must never cost a durable record (migration 0006). A record's cost is bounded only by the
 * ledger's balances (9e18 nano-USD), so two absurd ones could reach 2^63 in one row; a saturated sum then shows as
 * such (reads refuse a count past 2^53). Counts need no guard: a record adds at most one request and 10^12 tokens
 * (`rollupTokensPerRecordMax`), so a row would need 9 million such records to overflow. Plain adds where no guard
 * is needed: on every column the guard cost 3–5 % of the money path's instructions, on these two 2 %.
 */
export function buildRollupAdd(column: string, current: string, added: string): string {
  return moneyMeasureColumns.has(column)
    ? `CASE WHEN ${current} > ${rollupValueMax} - ${added} THEN ${rollupValueMax} ELSE ${current} + ${added} END`
    : `${current} + ${added}`;
}

const moneyMeasureColumns = new Set<string>(['cost_nanos', 'upstream_cost_nanos']);

/** A rollup row being built: its id (bucket and dimensions, unique per row), its key (bucket first), and its measures as exact bigints. */
export interface RollupRow {
  readonly id: string;
  readonly key: readonly (number | string)[];
  readonly measures: bigint[];
}

/** One rollup table: its bucket width and its key columns (bucket first). */
export interface RollupGrain {
  readonly table: string;
  readonly bucketMs: number;
  readonly keyColumns: readonly string[];
}

/** Every rollup table a record is added to: both scopes (per key, barometer), each by quarter-hour and UTC day. */
export const rollupGrains: readonly RollupGrain[] = [
  { table: rollupTables.perKey.quarterHour, bucketMs: analyticsLimits.rollupBucketMs, keyColumns: rollupKeyColumns },
  { table: rollupTables.perKey.day, bucketMs: dayMs, keyColumns: rollupKeyColumns },
  {
    table: rollupTables.barometer.quarterHour,
    bucketMs: analyticsLimits.rollupBucketMs,
    keyColumns: barometerKeyColumns,
  },
  { table: rollupTables.barometer.day, bucketMs: dayMs, keyColumns: barometerKeyColumns },
];

/** The rows of one grain, keyed by row id, in the order their first record came. */
export interface GrainRows {
  readonly grain: RollupGrain;
  readonly rows: ReadonlyMap<string, RollupRow>;
}

/**
 * Sums records into rollup rows of every grain, whichever driver writes them: each record lands in the quarter-hour
 * and the UTC day holding its `finishedAtMs`, per key and in the barometer, and records sharing a bucket and a grain's
 * dimensions are summed into one row. Records of answers served from the response cache (ending `cache`) are left
 * out. `convertText` adapts each dimension to what the driver can store (identity by default); an app `admitApp`
 * refuses (see `createAppNameBudget`) is counted as unattributed ('').
 */
export function groupRollupRows(
  records: readonly GenerationRecord[],
  options: { readonly convertText?: (text: string) => string; readonly admitApp?: AdmitApp } = {},
): GrainRows[] {
  const { convertText = (text: string) => text, admitApp = admitEveryApp } = options;
  const grains = rollupGrains.map((grain) => ({ grain, rows: new Map<string, RollupRow>() }));
  for (const record of records) {
    // An answer from the gateway's response cache consumed no model's tokens: the barometer counts upstream usage.
    if (record.ending === 'cache') continue;
    const dimensions = readDimensions(record, admitApp).map((text) => convertText(text));
    const measures = readMeasures(record);
    // Each grain's row id is its bucket and the JSON of its dimensions: two strings built per record, not one per grain.
    const barometerId = JSON.stringify(dimensions.slice(0, barometerKeyColumns.length - 1));
    const perKeyId = barometerId + JSON.stringify(dimensions.slice(barometerKeyColumns.length - 1));
    for (const { grain, rows } of grains) {
      const bucketStartMs = findBucketStartMs(record.finishedAtMs, grain.bucketMs);
      const isPerKey = grain.keyColumns.length > barometerKeyColumns.length;
      addToPending(rows, `${bucketStartMs}${isPerKey ? perKeyId : barometerId}`, measures, () =>
        [bucketStartMs, ...dimensions].slice(0, grain.keyColumns.length),
      );
    }
  }
  return grains;
}

function findBucketStartMs(instantMs: number, bucketMs: number): number {
  return Math.floor(instantMs / bucketMs) * bucketMs;
}

function addToPending(
  pending: Map<string, RollupRow>,
  id: string,
  measures: readonly bigint[],
  createKey: () => readonly (number | string)[],
): void {
  const row = pending.get(id);
  if (row === undefined) {
    pending.set(id, { id, key: createKey(), measures: [...measures] });
    return;
  }
  // Saturating (see buildRollupAdd): a batch's sum must bind as a 64-bit integer.
  measures.forEach((value, index) => {
    const sum = (row.measures[index] ?? 0n) + value;
    row.measures[index] = sum > rollupValueMax ? rollupValueMax : sum;
  });
}

/** In `rollupKeyColumns` order after the bucket. */
function readDimensions(record: GenerationRecord, admitApp: AdmitApp): string[] {
  const named = convertAppName(record.appTitle, record.appReferer);
  const app = admitApp(record.orgId, named, record.finishedAtMs) ? named : '';
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
