import type { Database } from 'better-sqlite3';
import type { MeasureValue, TimeSeriesParams, TimeSeriesResult, UsageMeasure } from '../analytics-types.js';
import { assembleTimeSeries } from '../assemble-time-series.js';
import { parseTimeSeriesQuery } from '../parse-time-series-query.js';
import { readRollupSums } from './read-rollup-sums.js';
import { dimensionColumns, measureColumns } from './rollup-columns.js';

/**
 * A measure per day or ISO week over `count` periods ending with the one holding `date`, stacked by a
 * dimension: the dashboard's stacked area of tokens by origin over weeks. Each period is read as grouped
 * range sums of the rollups, with zoned period bounds (a DST week is 167 or 169 hours).
 *
 * @throws AnalyticsQueryError for an unknown zone, a malformed date or a count out of 1–366.
 */
export function queryTimeSeries<M extends UsageMeasure>(
  database: Database,
  params: TimeSeriesParams<M>,
): TimeSeriesResult<MeasureValue<M>> {
  const query = parseTimeSeriesQuery(params);
  const sumsByPeriod = query.periods.map((period) =>
    readRollupSums(database, {
      ...period,
      groupColumn: dimensionColumns[query.stackBy],
      sumColumns: [measureColumns[query.measure]],
      orgId: params.orgId,
    }),
  );
  return assembleTimeSeries(query, sumsByPeriod);
}
