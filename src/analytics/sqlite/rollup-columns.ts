import { strict as assert } from 'node:assert';
import type { MeasureValue, RankingDimension, UsageMeasure } from '../analytics-types.js';

/** The two tables of one scope of rollups: the same sums by quarter-hour and by UTC day (see migration 0006). */
export interface RollupTablePair {
  readonly quarterHour: string;
  readonly day: string;
}

/**
 * Two scopes of the same sums, each in both grains. `perKey` keeps the org and key (Activity, an org's own
 * rankings); `barometer` sums across them (migration 0013), so the barometer's rows do not grow with the number of
 * keys.
 */
export const rollupTables = {
  perKey: { quarterHour: 'usage_rollups_quarter_hour', day: 'usage_rollups_day' },
  barometer: { quarterHour: 'usage_barometer_quarter_hour', day: 'usage_barometer_day' },
} as const satisfies Record<string, RollupTablePair>;

/** The tables a query reads: one org's rows come from the per-key scope, every org's from the barometer's. */
export function selectRollupTables(orgId: string | undefined): RollupTablePair {
  return orgId === undefined ? rollupTables.barometer : rollupTables.perKey;
}

/** The rollup column each measure sums. SQL is built only from these fixed names, never from input. */
export const measureColumns: Readonly<Record<UsageMeasure, string>> = {
  total_tokens: 'tokens_total',
  prompt_tokens: 'tokens_prompt',
  completion_tokens: 'tokens_completion',
  reasoning_tokens: 'tokens_reasoning',
  cached_tokens: 'tokens_cached',
  requests: 'requests',
  spend: 'cost_nanos',
};

/** The rollup column of each dimension a query may group by (`key` is Activity's). */
export const dimensionColumns: Readonly<Record<RankingDimension | 'key', string>> = {
  model: 'model_id',
  author: 'author',
  origin: 'origin',
  app: 'app',
  provider: 'provider_id',
  key: 'key_id',
};

/** A sum read with `safeIntegers(true)` (bigint; null for SUM over no rows) as a count. */
export function convertToCount(value: bigint | null): number {
  const count = Number(value ?? 0n);
  assert.ok(Number.isSafeInteger(count), `a rollup sum exceeds 2^53: ${String(value)}`);
  return count;
}

/** Spend stays bigint nano-USD; counts become numbers. */
export function convertToMeasureValue<M extends UsageMeasure>(measure: M, value: bigint): MeasureValue<M> {
  return (measure === 'spend' ? value : convertToCount(value)) as MeasureValue<M>;
}
