import type { Pool } from 'pg';
import type {
  MeasureValue,
  TimeSeriesParams,
  TimeSeriesResult,
  UsageMeasure,
} from '../../analytics/analytics-types.js';
import { assembleTimeSeries } from '../../analytics/assemble-time-series.js';
import { parseTimeSeriesQuery } from '../../analytics/parse-time-series-query.js';
import { dimensionColumns, measureColumns } from '../../analytics/sqlite/rollup-columns.js';
import { readPostgresRollupSums } from './read-postgres-rollup-sums.js';

/**
 * A measure per zoned day or ISO week over `count` periods, stacked by a dimension: SQLite's `queryTimeSeries`
 * with the same parsing, bounds (a DST week is 167 or 169 hours) and key order; every period is read in one
 * statement.
 *
 * @throws AnalyticsQueryError (as a rejection) for an unknown zone, a malformed date or a count out of 1–366.
 */
export async function queryPostgresTimeSeries<M extends UsageMeasure>(
  pool: Pool,
  params: TimeSeriesParams<M>,
): Promise<TimeSeriesResult<MeasureValue<M>>> {
  const query = parseTimeSeriesQuery(params);
  const sumsByPeriod = await readPostgresRollupSums(pool, {
    ranges: query.periods,
    groupColumn: dimensionColumns[query.stackBy],
    sumColumns: [measureColumns[query.measure]],
    orgId: params.orgId,
  });
  return assembleTimeSeries(query, sumsByPeriod);
}
