import type { Database } from 'better-sqlite3';
import { analyticsLimits } from '../analytics-limits.js';
import { AnalyticsQueryError } from '../analytics-query-error.js';
import type { ActivityParams, ActivityResult, ActivityRow, ActivityTotals } from '../analytics-types.js';
import { activityGroupings } from '../analytics-types.js';
import { dayMs, formatCivilDate } from '../civil-date.js';
import { rollupMeasureColumns } from '../group-rollup-rows.js';
import { parseOneOf } from '../parse-query-options.js';
import { assertOnRollupBucket } from '../period-bounds.js';
import type { TimeZone } from '../time-zone.js';
import { findZonedDayStartMs, findZonedEpochDay, parseTimeZone } from '../time-zone.js';
import { readRollupSums } from './read-rollup-sums.js';
import { convertToCount, dimensionColumns } from './rollup-columns.js';

/** Every measure (the rollups' measure columns), in the order {@link convertToActivityRow} reads them. */
export const sumColumns = rollupMeasureColumns;

export interface Range {
  readonly orgId: string;
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * One org's usage over a range, per model, key, provider or local day, with every measure: the Activity
 * page and `/api/v1/activity`. Always filtered by `orgId` (read through the org indexes), so it cannot return
 * another tenant's usage. The range is widened to whole quarter-hours, the rollup grain.
 *
 * @throws AnalyticsQueryError for an empty org id, a range that is empty, reversed or longer than 400 days,
 *   or an unknown zone.
 */
export function queryActivity(database: Database, params: ActivityParams): ActivityResult {
  const groupBy = parseOneOf(params.groupBy, activityGroupings, 'groupBy');
  const zone = parseTimeZone(params.timeZone);
  const range = parseRange(params);
  const rows = groupBy === 'day' ? readDayRows(database, range, zone) : readGroupRows(database, range, groupBy);
  return { ...range, groupBy, timeZone: zone.name, rows, total: sumTotals(rows) };
}

export function parseRange(params: ActivityParams): Range {
  if (typeof params.orgId !== 'string' || params.orgId === '') {
    throw new AnalyticsQueryError('orgId', 'Activity needs the caller’s org id');
  }
  const bucketMs = analyticsLimits.rollupBucketMs;
  const isInstant = (value: number): boolean => Number.isSafeInteger(value) && value >= 0;
  if (!isInstant(params.fromMs) || !isInstant(params.toMs) || params.fromMs >= params.toMs) {
    throw new AnalyticsQueryError('from', 'from and to must be instants (ms since 1970) with from before to');
  }
  const fromMs = Math.floor(params.fromMs / bucketMs) * bucketMs;
  const toMs = Math.ceil(params.toMs / bucketMs) * bucketMs;
  if (toMs - fromMs > analyticsLimits.activityRangeDaysMax * dayMs) {
    throw new AnalyticsQueryError('to', `an Activity range spans at most ${analyticsLimits.activityRangeDaysMax} days`);
  }
  return { orgId: params.orgId, fromMs, toMs };
}

function readGroupRows(database: Database, range: Range, groupBy: 'model' | 'key' | 'provider'): ActivityRow[] {
  const sums = readRollupSums(database, {
    startMs: range.fromMs,
    endMs: range.toMs,
    groupColumn: dimensionColumns[groupBy],
    sumColumns,
    orgId: range.orgId,
  });
  return [...sums].map(([key, values]) => convertToActivityRow(key, values)).sort(compareRows);
}

/** Every local day touching the range, each summed over its part of the range. */
function readDayRows(database: Database, range: Range, zone: TimeZone): ActivityRow[] {
  const rows: ActivityRow[] = [];
  const lastDay = findZonedEpochDay(zone, range.toMs - 1);
  for (let day = findZonedEpochDay(zone, range.fromMs); day <= lastDay; day += 1) {
    const dayStartMs = findZonedDayStartMs(zone, day);
    assertOnRollupBucket(zone, dayStartMs);
    const sums = readRollupSums(database, {
      startMs: Math.max(range.fromMs, dayStartMs),
      endMs: Math.min(range.toMs, findZonedDayStartMs(zone, day + 1)),
      groupColumn: null,
      sumColumns,
      orgId: range.orgId,
    });
    rows.push(convertToActivityRow(formatCivilDate(day), sums.get('') ?? []));
  }
  return rows;
}

export function convertToActivityRow(key: string, sums: readonly bigint[]): ActivityRow {
  const [requests, estimated, unknown, prompt, completion, reasoning, cached, total, cost, upstreamCost] = sums;
  return {
    key,
    requests: convertToCount(requests ?? 0n),
    requestsUsageEstimated: convertToCount(estimated ?? 0n),
    requestsUsageUnknown: convertToCount(unknown ?? 0n),
    promptTokens: convertToCount(prompt ?? 0n),
    completionTokens: convertToCount(completion ?? 0n),
    reasoningTokens: convertToCount(reasoning ?? 0n),
    cachedTokens: convertToCount(cached ?? 0n),
    totalTokens: convertToCount(total ?? 0n),
    costNanos: cost ?? 0n,
    upstreamCostNanos: upstreamCost ?? 0n,
  };
}

/** Most spend first, then most tokens, then by key: deterministic. */
export function compareRows(left: ActivityRow, right: ActivityRow): number {
  if (left.costNanos !== right.costNanos) return left.costNanos > right.costNanos ? -1 : 1;
  if (left.totalTokens !== right.totalTokens) return right.totalTokens - left.totalTokens;
  return left.key < right.key ? -1 : left.key > right.key ? 1 : 0;
}

export function sumTotals(rows: readonly ActivityRow[]): ActivityTotals {
  const total = {
    requests: 0,
    requestsUsageEstimated: 0,
    requestsUsageUnknown: 0,
    promptTokens: 0,
    completionTokens: 0,
    reasoningTokens: 0,
    cachedTokens: 0,
    totalTokens: 0,
    costNanos: 0n,
    upstreamCostNanos: 0n,
  };
  for (const row of rows) {
    total.requests += row.requests;
    total.requestsUsageEstimated += row.requestsUsageEstimated;
    total.requestsUsageUnknown += row.requestsUsageUnknown;
    total.promptTokens += row.promptTokens;
    total.completionTokens += row.completionTokens;
    total.reasoningTokens += row.reasoningTokens;
    total.cachedTokens += row.cachedTokens;
    total.totalTokens += row.totalTokens;
    total.costNanos += row.costNanos;
    total.upstreamCostNanos += row.upstreamCostNanos;
  }
  return total;
}
