import { analyticsLimits } from './analytics-limits.js';
import type {
  PeriodBounds,
  TimeSeriesDimension,
  TimeSeriesInterval,
  TimeSeriesParams,
  UsageMeasure,
} from './analytics-types.js';
import { timeSeriesDimensions, timeSeriesIntervals, usageMeasures } from './analytics-types.js';
import { parseCivilDate } from './civil-date.js';
import { parseInteger, parseOneOf } from './parse-query-options.js';
import { findPeriodBounds } from './period-bounds.js';
import type { TimeZone } from './time-zone.js';
import { parseTimeZone } from './time-zone.js';

/** A time-series request, parsed: the zoned periods every driver reads, oldest first, and what the result echoes. */
export interface TimeSeriesQuery<M extends UsageMeasure> {
  readonly interval: TimeSeriesInterval;
  readonly stackBy: TimeSeriesDimension;
  readonly measure: M;
  readonly zone: TimeZone;
  readonly periods: readonly PeriodBounds[];
  /** Set only when stacking by model for the public view (see {@link TimeSeriesParams.listedModelIds}). */
  readonly listedModelIds: ReadonlySet<string> | undefined;
}

/**
 * Parses time-series parameters and finds the zoned bounds of the `count` periods ending with the one holding
 * `date` (a DST week is 167 or 169 hours); driver-independent, shared by the SQLite and PostgreSQL queries.
 *
 * @throws AnalyticsQueryError for an unknown zone, a malformed date or a count out of 1–366.
 */
export function parseTimeSeriesQuery<M extends UsageMeasure>(params: TimeSeriesParams<M>): TimeSeriesQuery<M> {
  const interval = parseOneOf(params.interval, timeSeriesIntervals, 'interval');
  const stackBy = parseOneOf(params.stackBy, timeSeriesDimensions, 'stackBy');
  const measure = parseOneOf<UsageMeasure>(params.measure, usageMeasures, 'measure') as M;
  const zone = parseTimeZone(params.timeZone);
  const epochDay = parseCivilDate(params.date, 'date');
  const count = parseInteger(
    params.count,
    { min: 1, max: analyticsLimits.timeSeriesPeriodCountMax, default: 1 },
    'count',
  );
  const periods: PeriodBounds[] = [];
  for (let offset = 1 - count; offset <= 0; offset += 1) {
    periods.push(findPeriodBounds(zone, interval, epochDay, offset));
  }
  const listedModelIds = stackBy === 'model' ? params.listedModelIds : undefined;
  return { interval, stackBy, measure, zone, periods, listedModelIds };
}
