import type { Pool } from 'pg';
import { analyticsLimits } from '../../analytics/analytics-limits.js';
import type { MeasureValue, RankingsParams, RankingsResult, UsageMeasure } from '../../analytics/analytics-types.js';
import { rankingDimensions, rankingPeriods, usageMeasures } from '../../analytics/analytics-types.js';
import { parseCivilDate } from '../../analytics/civil-date.js';
import { convertToGrowth } from '../../analytics/convert-to-ratio.js';
import { parseInteger, parseOneOf } from '../../analytics/parse-query-options.js';
import { findPeriodBounds } from '../../analytics/period-bounds.js';
import type { RankingGroup } from '../../analytics/rank-groups.js';
import { rankGroups } from '../../analytics/rank-groups.js';
import {
  convertToCount,
  convertToMeasureValue,
  dimensionColumns,
  measureColumns,
} from '../../analytics/sqlite/rollup-columns.js';
import { parseTimeZone } from '../../analytics/time-zone.js';
import { readPostgresRollupSums } from './read-postgres-rollup-sums.js';

/**
 * The barometer on PostgreSQL: SQLite's `queryRankings` (src/analytics/sqlite/query-rankings.ts) with the same
 * parsing, zoned period bounds, ranking and rounding (the shared pure code of src/analytics/); only the read differs:
 * the current and previous periods are one statement over the rollups.
 *
 * @throws AnalyticsQueryError (as a rejection) for an unknown zone, a malformed date or an out-of-range limit.
 */
export async function queryPostgresRankings<M extends UsageMeasure>(
  pool: Pool,
  params: RankingsParams<M>,
): Promise<RankingsResult<MeasureValue<M>>> {
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

  // The previous period needs only the measure; reading the request counts there too costs nothing extra.
  const [currentSums = new Map<string, bigint[]>(), previousSums = new Map<string, bigint[]>()] =
    await readPostgresRollupSums(pool, {
      ranges: [current, previous],
      groupColumn: dimensionColumns[by],
      sumColumns: [measureColumns[measure], 'requests', 'requests_usage_estimated', 'requests_usage_unknown'],
      orgId: params.orgId,
    });
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
