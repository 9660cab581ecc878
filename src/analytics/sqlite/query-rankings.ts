import type { Database } from 'better-sqlite3';
import { analyticsLimits } from '../analytics-limits.js';
import type { MeasureValue, RankingsParams, RankingsResult, UsageMeasure } from '../analytics-types.js';
import { rankingDimensions, rankingPeriods, usageMeasures } from '../analytics-types.js';
import { parseCivilDate } from '../civil-date.js';
import { convertToGrowth } from '../convert-to-ratio.js';
import { parseInteger, parseOneOf } from '../parse-query-options.js';
import { findPeriodBounds } from '../period-bounds.js';
import type { RankingGroup } from '../rank-groups.js';
import { rankGroups } from '../rank-groups.js';
import { parseTimeZone } from '../time-zone.js';
import { prepareRollupStatement } from './prepare-rollup-statement.js';
import { convertToCount, convertToMeasureValue, dimensionColumns, measureColumns } from './rollup-columns.js';

interface GroupRow {
  readonly key: string;
  readonly value: bigint;
  readonly previous_value: bigint;
  readonly requests: bigint;
  readonly requests_usage_estimated: bigint;
  readonly requests_usage_unknown: bigint;
}

/**
 * The barometer: top-N keys of a dimension by a measure over a day, ISO week or month in a time zone, with
 * share of the total, growth versus the previous period and an "others" remainder (see {@link rankGroups}).
 * One read of the rollups over [previous start, current end), grouped by the dimension: both periods come
 * from the same scan of the clustered primary key (or of the org index when `orgId` is given).
 *
 * @throws AnalyticsQueryError for an unknown zone, a malformed date or an out-of-range limit.
 */
export function queryRankings<M extends UsageMeasure>(
  database: Database,
  params: RankingsParams<M>,
): RankingsResult<MeasureValue<M>> {
  const period = parseOneOf(params.period, rankingPeriods, 'period');
  const by = parseOneOf(params.by, rankingDimensions, 'by');
  const measure = parseOneOf<UsageMeasure>(params.measure, usageMeasures, 'measure') as M;
  const zone = parseTimeZone(params.timeZone);
  const epochDay = parseCivilDate(params.date, 'date');
  const limit = parseInteger(
    params.limit,
    { min: 1, max: analyticsLimits.rankingsLimitMax, default: analyticsLimits.rankingsLimitDefault },
    'limit',
  );
  const minAppRequests = parseInteger(
    params.minAppRequests,
    { min: 0, max: analyticsLimits.minAppRequestsMax, default: 0 },
    'minAppRequests',
  );
  const current = findPeriodBounds(zone, period, epochDay, 0);
  const previous = findPeriodBounds(zone, period, epochDay, -1);

  const dimension = dimensionColumns[by];
  const column = measureColumns[measure];
  const isCurrent = 'bucket_start_ms >= @currentStartMs';
  const sql = `SELECT ${dimension} AS key,
      SUM(CASE WHEN ${isCurrent} THEN ${column} ELSE 0 END) AS value,
      SUM(CASE WHEN ${isCurrent} THEN 0 ELSE ${column} END) AS previous_value,
      SUM(CASE WHEN ${isCurrent} THEN requests ELSE 0 END) AS requests,
      SUM(CASE WHEN ${isCurrent} THEN requests_usage_estimated ELSE 0 END) AS requests_usage_estimated,
      SUM(CASE WHEN ${isCurrent} THEN requests_usage_unknown ELSE 0 END) AS requests_usage_unknown
    FROM usage_rollups
    WHERE bucket_start_ms >= @previousStartMs AND bucket_start_ms < @currentEndMs
      ${params.orgId === undefined ? '' : 'AND org_id = @orgId'}
    GROUP BY ${dimension}`;
  const rows = prepareRollupStatement(database, sql).all({
    previousStartMs: previous.startMs,
    currentStartMs: current.startMs,
    currentEndMs: current.endMs,
    ...(params.orgId === undefined ? {} : { orgId: params.orgId }),
  }) as GroupRow[];

  const groups: RankingGroup[] = rows.map((row) => ({
    key: row.key,
    value: row.value,
    previousValue: row.previous_value,
    requests: row.requests,
  }));
  const ranked = rankGroups(groups, { by, limit, minAppRequests });
  const toValue = (value: bigint): MeasureValue<M> => convertToMeasureValue(measure, value);
  const sumOf = (read: (row: GroupRow) => bigint): number =>
    convertToCount(rows.reduce((sum, row) => sum + read(row), 0n));
  return {
    period,
    by,
    measure,
    timeZone: zone.name,
    current,
    previous,
    total: toValue(ranked.total),
    previousTotal: toValue(ranked.previousTotal),
    growth: convertToGrowth(ranked.total, ranked.previousTotal),
    rows: ranked.rows.map((row) => ({ ...row, value: toValue(row.value), previousValue: toValue(row.previousValue) })),
    others: {
      ...ranked.others,
      value: toValue(ranked.others.value),
      previousValue: toValue(ranked.others.previousValue),
    },
    requests: sumOf((row) => row.requests),
    requestsUsageEstimated: sumOf((row) => row.requests_usage_estimated),
    requestsUsageUnknown: sumOf((row) => row.requests_usage_unknown),
  };
}
