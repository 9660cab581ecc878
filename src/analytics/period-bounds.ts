import { analyticsLimits } from './analytics-limits.js';
import { AnalyticsQueryError } from './analytics-query-error.js';
import type { PeriodBounds, RankingPeriod } from './analytics-types.js';
import type { EpochDay } from './civil-date.js';
import { findIsoWeekMonday, findMonthStart } from './civil-date.js';
import type { TimeZone } from './time-zone.js';
import { findZonedDayStartMs, formatZonedIso } from './time-zone.js';

/**
 * The first calendar day of the period `periodOffset` periods after the one holding `epochDay` (negative =
 * before): days count from the day itself, weeks from their Monday (ISO), months from their 1st.
 */
export function findPeriodStartDay(period: RankingPeriod, epochDay: EpochDay, periodOffset: number): EpochDay {
  switch (period) {
    case 'day':
      return epochDay + periodOffset;
    case 'week':
      return findIsoWeekMonday(epochDay) + 7 * periodOffset;
    case 'month':
      return findMonthStart(epochDay, periodOffset);
    default: {
      const unknown: never = period;
      throw new AnalyticsQueryError('period', `unknown period "${String(unknown)}"`);
    }
  }
}

/**
 * [start, end) of the period `periodOffset` periods from the one holding `epochDay`, in the zone. Each end
 * is the next period's local midnight found afresh, so a day is 23 or 25 hours across a DST change and the
 * periods tile time with no gap or overlap.
 */
export function findPeriodBounds(
  zone: TimeZone,
  period: RankingPeriod,
  epochDay: EpochDay,
  periodOffset: number,
): PeriodBounds {
  const startMs = findZonedDayStartMs(zone, findPeriodStartDay(period, epochDay, periodOffset));
  const endMs = findZonedDayStartMs(zone, findPeriodStartDay(period, epochDay, periodOffset + 1));
  return createPeriodBounds(zone, startMs, endMs);
}

/** Bounds of [startMs, endMs), which must fall on rollup buckets to be answered exactly. */
export function createPeriodBounds(zone: TimeZone, startMs: number, endMs: number): PeriodBounds {
  assertOnRollupBucket(zone, startMs);
  assertOnRollupBucket(zone, endMs);
  return { startMs, endMs, start: formatZonedIso(zone, startMs), end: formatZonedIso(zone, endMs) };
}

/** A zoned boundary between two quarter-hours could only be answered approximately; refuse it instead. */
export function assertOnRollupBucket(zone: TimeZone, instantMs: number): void {
  if (instantMs % analyticsLimits.rollupBucketMs === 0) return;
  // Only historical offsets (before 1980 in a few zones) are not multiples of 15 minutes.
  throw new AnalyticsQueryError(
    'timeZone',
    `${zone.name} has a local midnight at ${formatZonedIso(zone, instantMs)}, between the quarter-hours the usage rollups are kept in`,
  );
}
