import { AnalyticsQueryError } from './analytics-query-error.js';
import { parseCivilDate } from './civil-date.js';
import type { TimeZone } from './time-zone.js';
import { findZonedDayStartMs } from './time-zone.js';

/** A date-time with its zone: seconds and fraction optional, `Z` or `±hh:mm`. */
const dateTimePattern = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/u;

/**
 * An instant written as ISO 8601: a date `YYYY-MM-DD` is that day's start in `zone` (its local midnight), a date-time
 * must name its zone (`Z` or an offset). Never read in the server's own time zone, and never rolled over: `02-30`,
 * `24:00` and a date-time without a zone are refused.
 *
 * @throws AnalyticsQueryError naming `param`.
 */
export function parseInstant(text: string, zone: TimeZone, param: string): number {
  if (!text.includes('T')) return findZonedDayStartMs(zone, parseCivilDate(text, param));
  const match = dateTimePattern.exec(text);
  const [hour, minute, second, offsetHours, offsetMinutes] = [2, 3, 4, 5, 6].map((group) =>
    Number(match?.[group] ?? 0),
  );
  const isTime = hour! < 24 && minute! < 60 && second! < 60 && offsetHours! < 24 && offsetMinutes! < 60;
  const instantMs = match !== null && isTime ? Date.parse(text) : Number.NaN;
  if (match === null || !Number.isFinite(instantMs)) {
    throw new AnalyticsQueryError(
      param,
      `${param} must be an ISO 8601 date (YYYY-MM-DD) or a date-time with its zone (2026-06-01T09:30:00Z), got "${text}"`,
    );
  }
  parseCivilDate(match[1]!, param);
  return instantMs;
}
