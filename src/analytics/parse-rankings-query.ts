import { analyticsLimits } from './analytics-limits.js';
import type { PeriodBounds, RankingDimension, RankingPeriod, RankingsParams, UsageMeasure } from './analytics-types.js';
import { rankingDimensions, rankingPeriods, usageMeasures } from './analytics-types.js';
import { parseCivilDate } from './civil-date.js';
import { parseInteger, parseOneOf } from './parse-query-options.js';
import { findPeriodBounds } from './period-bounds.js';
import type { TimeZone } from './time-zone.js';
import { parseTimeZone } from './time-zone.js';

/** A rankings request, parsed: what every driver reads (the two periods) and what the result echoes. */
export interface RankingsQuery<M extends UsageMeasure> {
  readonly period: RankingPeriod;
  readonly by: RankingDimension;
  readonly measure: M;
  readonly zone: TimeZone;
  readonly limit: number;
  readonly minAppRequests: number;
  /** Set only when ranking by model for the public view (see {@link RankingsParams.listedModelIds}). */
  readonly listedModelIds: ReadonlySet<string> | undefined;
  readonly current: PeriodBounds;
  readonly previous: PeriodBounds;
}

/**
 * Parses rankings parameters and finds the zoned bounds of the period holding `date` and of the one before;
 * driver-independent, shared by the SQLite and PostgreSQL queries.
 *
 * @throws AnalyticsQueryError for an unknown zone, a malformed date or an out-of-range limit.
 */
export function parseRankingsQuery<M extends UsageMeasure>(params: RankingsParams<M>): RankingsQuery<M> {
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
  const listedModelIds = by === 'model' ? params.listedModelIds : undefined;
  return { period, by, measure, zone, limit, minAppRequests, listedModelIds, current, previous };
}
