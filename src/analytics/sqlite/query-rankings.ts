import type { Database } from 'better-sqlite3';
import type { MeasureValue, RankingsParams, RankingsResult, UsageMeasure } from '../analytics-types.js';
import { assembleRankings, rankingsSumColumns } from '../assemble-rankings.js';
import { parseRankingsQuery } from '../parse-rankings-query.js';
import { readRollupSums } from './read-rollup-sums.js';
import { dimensionColumns, measureColumns } from './rollup-columns.js';

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
  const query = parseRankingsQuery(params);
  const { by, measure, current, previous } = query;
  const read = { groupColumn: dimensionColumns[by], orgId: params.orgId };
  const currentSums = readRollupSums(database, {
    ...read,
    ...current,
    sumColumns: [measureColumns[measure], ...rankingsSumColumns],
  });
  const previousSums = readRollupSums(database, {
    ...read,
    ...previous,
    sumColumns: [measureColumns[measure], rankingsSumColumns[0]],
  });
  return assembleRankings(query, currentSums, previousSums);
}
