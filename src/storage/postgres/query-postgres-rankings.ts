import type { Pool } from 'pg';
import type { MeasureValue, RankingsParams, RankingsResult, UsageMeasure } from '../../analytics/analytics-types.js';
import { assembleRankings, rankingsSumColumns } from '../../analytics/assemble-rankings.js';
import { parseRankingsQuery } from '../../analytics/parse-rankings-query.js';
import { dimensionColumns, measureColumns } from '../../analytics/sqlite/rollup-columns.js';
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
  const query = parseRankingsQuery(params);
  const { by, measure, current, previous } = query;
  // The previous period needs only the measure and requests; reading the other counts there too costs nothing extra.
  const [currentSums = new Map<string, bigint[]>(), previousSums = new Map<string, bigint[]>()] =
    await readPostgresRollupSums(pool, {
      ranges: [current, previous],
      groupColumn: dimensionColumns[by],
      sumColumns: [measureColumns[measure], ...rankingsSumColumns],
      orgId: params.orgId,
    });
  return assembleRankings(query, currentSums, previousSums);
}
