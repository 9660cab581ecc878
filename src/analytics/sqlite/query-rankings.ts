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
import { readRollupSums } from './read-rollup-sums.js';
import { convertToCount, convertToMeasureValue, dimensionColumns, measureColumns } from './rollup-columns.js';

/**
 * The barometer: top-N keys of a dimension by a measure over a day, ISO week or month in a time zone, with
 * share of the total, growth versus the previous period and an "others" remainder (see {@link rankGroups}).
 * Each period is read as grouped range sums of the rollups ({@link readRollupSums}): a handful of range
 * reads returning one row per key, never a scan of generations.
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

  const read = { groupColumn: dimensionColumns[by], orgId: params.orgId };
  const currentSums = readRollupSums(database, {
    ...read,
    ...current,
    sumColumns: [measureColumns[measure], 'requests', 'requests_usage_estimated', 'requests_usage_unknown'],
  });
  const previousSums = readRollupSums(database, { ...read, ...previous, sumColumns: [measureColumns[measure]] });
  const groups: RankingGroup[] = [...new Set([...currentSums.keys(), ...previousSums.keys()])].map((key) => ({
    key,
    value: currentSums.get(key)?.[0] ?? 0n,
    previousValue: previousSums.get(key)?.[0] ?? 0n,
    requests: currentSums.get(key)?.[1] ?? 0n,
  }));
  const ranked = rankGroups(groups, { by, limit, minAppRequests });
  const toValue = (value: bigint): MeasureValue<M> => convertToMeasureValue(measure, value);
  const sumCurrent = (index: number): number =>
    convertToCount([...currentSums.values()].reduce((sum, sums) => sum + (sums[index] ?? 0n), 0n));
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
    requests: sumCurrent(1),
    requestsUsageEstimated: sumCurrent(2),
    requestsUsageUnknown: sumCurrent(3),
  };
}
