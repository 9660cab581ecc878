import type { MeasureValue, RankingsResult, UsageMeasure } from './analytics-types.js';
import { convertToGrowth } from './convert-to-ratio.js';
import { foldUnlistedModels } from './fold-unlisted-models.js';
import type { RankingsQuery } from './parse-rankings-query.js';
import type { RankingGroup } from './rank-groups.js';
import { rankGroups } from './rank-groups.js';
import { convertToCount, convertToMeasureValue } from './sqlite/rollup-columns.js';

/**
 * The rollup columns a rankings read sums over the current period, in this order (the previous period needs only the
 * first, `requests`, for the privacy threshold).
 */
export const rankingsSumColumns = ['requests', 'requests_usage_estimated', 'requests_usage_unknown'] as const;

/**
 * The barometer's result from the grouped sums of both periods, whichever driver read them: each key's sums in the
 * order measure, then {@link rankingsSumColumns} (the previous period's sums need only the measure and requests). Ranks with
 * {@link rankGroups} and converts counts to numbers and spend to bigint nano-USD.
 */
export function assembleRankings<M extends UsageMeasure>(
  query: RankingsQuery<M>,
  currentByKey: ReadonlyMap<string, readonly bigint[]>,
  previousByKey: ReadonlyMap<string, readonly bigint[]>,
): RankingsResult<MeasureValue<M>> {
  const { period, by, measure, zone, limit, minAppRequests, current, previous } = query;
  const currentSums = foldUnlistedModels(currentByKey, query.listedModelIds);
  const previousSums = foldUnlistedModels(previousByKey, query.listedModelIds);
  const groups: RankingGroup[] = [...new Set([...currentSums.keys(), ...previousSums.keys()])].map((key) => ({
    key,
    value: currentSums.get(key)?.[0] ?? 0n,
    previousValue: previousSums.get(key)?.[0] ?? 0n,
    requests: currentSums.get(key)?.[1] ?? 0n,
    previousRequests: previousSums.get(key)?.[1] ?? 0n,
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
