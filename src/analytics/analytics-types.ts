/**
 * Public types of the barometer (PRODUCT.md §5): rankings, time series and Activity, all answered from the
 * quarter-hour usage rollups. Token counts and requests are numbers (a period's sum stays far below 2^53:
 * 2^53 tokens is ~450 weeks of today's whole market); money is bigint nano-USD.
 */

export const rankingPeriods = ['day', 'week', 'month'] as const;
/** A calendar period in the chosen time zone; weeks are ISO weeks (Monday 00:00). */
export type RankingPeriod = (typeof rankingPeriods)[number];

export const rankingDimensions = ['model', 'author', 'origin', 'app', 'provider'] as const;
/** What a ranking groups by. */
export type RankingDimension = (typeof rankingDimensions)[number];

export const usageMeasures = [
  'total_tokens',
  'prompt_tokens',
  'completion_tokens',
  'reasoning_tokens',
  'cached_tokens',
  'requests',
  'spend',
] as const;
/**
 * What a ranking or series sums. prompt = input tokens including cache reads; completion = output tokens
 * including reasoning; total = prompt + completion; cached = cache-read input tokens; spend = what keys were
 * charged (nano-USD). Unknown counts add 0 and are counted in `requestsUsageUnknown`.
 */
export type UsageMeasure = (typeof usageMeasures)[number];

/** Money stays bigint; counts are numbers. */
export type MeasureValue<M extends UsageMeasure> = M extends 'spend' ? bigint : number;

/** [start, end) of a period, as instants and as ISO 8601 strings with the zone's offset at that instant. */
export interface PeriodBounds {
  readonly startMs: number;
  readonly endMs: number;
  /** e.g. `2026-06-29T00:00:00+02:00`. */
  readonly start: string;
  readonly end: string;
}

export interface RankingsParams<M extends UsageMeasure = UsageMeasure> {
  readonly period: RankingPeriod;
  /** Any day inside the period, `YYYY-MM-DD` in `timeZone`. */
  readonly date: string;
  /** IANA name; default `UTC`. */
  readonly timeZone?: string;
  readonly by: RankingDimension;
  readonly measure: M;
  /** Top-N rows; default 10, at most 100. */
  readonly limit?: number;
  /** Only this org's usage (Activity, tenant isolation); all orgs when absent (the operator's barometer). */
  readonly orgId?: string;
  /**
   * Privacy threshold for `by: 'app'`: apps with fewer requests than this in the period are not named; their
   * usage goes to "others". Absent or 0 = every app is named.
   */
  readonly minAppRequests?: number;
  /**
   * The catalog's model ids, for the public (keyless) view: usage of any other model (a passthrough name a client
   * typed, which may be private) is grouped under `unlisted` when ranking or stacking by model. Absent = every name.
   */
  readonly listedModelIds?: ReadonlySet<string>;
}

/**
 * A ranked key. `share` is value ÷ the period's total, rounded half-up to 4 decimals (0.1234 = 12.34 %; 0
 * when the total is 0). `growth` is (value − previousValue) ÷ previousValue rounded to 4 decimals, ties away
 * from zero (0.25 = +25 %, −1 = gone); null when previousValue is 0. Both are computed from the exact
 * integers, so they are reproducible to the last digit.
 */
export interface RankingRow<V> {
  readonly key: string;
  readonly value: V;
  readonly share: number;
  readonly previousValue: V;
  readonly growth: number | null;
}

/** Everything not in `rows`: the tail beyond top-N, apps under the privacy threshold, unattributed apps. */
export interface RankingOthers<V> {
  readonly value: V;
  readonly share: number;
  readonly previousValue: V;
  readonly growth: number | null;
  /** Keys with usage in the period folded in here (unattributed app traffic counts as one). */
  readonly keyCount: number;
}

export interface RankingsResult<V> {
  readonly period: RankingPeriod;
  readonly by: RankingDimension;
  readonly measure: UsageMeasure;
  readonly timeZone: string;
  readonly current: PeriodBounds;
  readonly previous: PeriodBounds;
  readonly total: V;
  readonly previousTotal: V;
  readonly growth: number | null;
  /** Keys with a positive value in the period, largest first, ties by key; at most `limit`. */
  readonly rows: readonly RankingRow<V>[];
  readonly others: RankingOthers<V>;
  /** Requests in the period (any measure), and how many of them had estimated or unknown usage. */
  readonly requests: number;
  readonly requestsUsageEstimated: number;
  readonly requestsUsageUnknown: number;
}

export const timeSeriesIntervals = ['day', 'week'] as const;
export type TimeSeriesInterval = (typeof timeSeriesIntervals)[number];

export const timeSeriesDimensions = ['model', 'author', 'origin', 'provider'] as const;
/** What a series stacks by. Apps are left out: the privacy threshold is defined per ranking period. */
export type TimeSeriesDimension = (typeof timeSeriesDimensions)[number];

export interface TimeSeriesParams<M extends UsageMeasure = UsageMeasure> {
  readonly interval: TimeSeriesInterval;
  /** Number of periods, the last one containing `date`; at most 366. */
  readonly count: number;
  readonly date: string;
  readonly timeZone?: string;
  readonly stackBy: TimeSeriesDimension;
  readonly measure: M;
  readonly orgId?: string;
  /**
   * The catalog's model ids, for the public (keyless) view: usage of any other model (a passthrough name a client
   * typed, which may be private) is grouped under `unlisted` when ranking or stacking by model. Absent = every name.
   */
  readonly listedModelIds?: ReadonlySet<string>;
}

export interface TimeSeriesPoint<V> {
  readonly periodStartMs: number;
  readonly key: string;
  readonly value: V;
}

export interface TimeSeriesResult<V> {
  readonly interval: TimeSeriesInterval;
  readonly stackBy: TimeSeriesDimension;
  readonly measure: UsageMeasure;
  readonly timeZone: string;
  /** Oldest first. */
  readonly periods: readonly PeriodBounds[];
  /** Series keys with a positive total over the range, largest total first, ties by key. */
  readonly keys: readonly string[];
  /** Dense: one point per period × key (0 where a key had none), periods oldest first, keys in `keys` order. */
  readonly points: readonly TimeSeriesPoint<V>[];
}

export const activityGroupings = ['model', 'key', 'day', 'provider'] as const;
export type ActivityGrouping = (typeof activityGroupings)[number];

export interface ActivityParams {
  /** The caller's org: Activity never reads another org's rows. */
  readonly orgId: string;
  /** Range [fromMs, toMs); widened to whole quarter-hours (the rollup grain), see `ActivityResult`. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly groupBy: ActivityGrouping;
  /** For `groupBy: 'day'`: whose calendar days. Default `UTC`. */
  readonly timeZone?: string;
}

/** Every measure of a group. Token counts treat unknown as 0; `requestsUsageUnknown` says how often. */
export interface ActivityTotals {
  readonly requests: number;
  readonly requestsUsageEstimated: number;
  readonly requestsUsageUnknown: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly reasoningTokens: number;
  readonly cachedTokens: number;
  readonly totalTokens: number;
  readonly costNanos: bigint;
  readonly upstreamCostNanos: bigint;
}

export interface ActivityRow extends ActivityTotals {
  /** Model id, key id, provider id, or the local date `YYYY-MM-DD`. */
  readonly key: string;
}

export interface ActivityResult {
  readonly orgId: string;
  readonly groupBy: ActivityGrouping;
  readonly timeZone: string;
  /** The range answered: the asked range widened to whole quarter-hours. */
  readonly fromMs: number;
  readonly toMs: number;
  /**
   * By day: every local day touching the range, oldest first, zeros included (the first and last may be
   * partial). Otherwise: groups with requests, most spend first, then most tokens, then by key.
   */
  readonly rows: readonly ActivityRow[];
  readonly total: ActivityTotals;
}
