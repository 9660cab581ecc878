import { AnalyticsQueryError } from './analytics-query-error.js';

/** A calendar day as whole days since 1970-01-01 (no time zone): day arithmetic is plain addition. */
export type EpochDay = number;

export const dayMs = 86_400_000;
const civilDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/u;

/**
 * `YYYY-MM-DD` (years 1970–9999) → epoch day. Strict: `2026-02-30` and `2026-2-1` are refused rather than
 * rolled over, since a ranking for a date nobody asked for would look valid.
 */
export function parseCivilDate(text: string, param: string): EpochDay {
  const match = civilDatePattern.exec(text);
  if (match !== null) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const epochDay = findEpochDay(year, month, day);
    if (year >= 1970 && formatCivilDate(epochDay) === text) return epochDay;
  }
  throw new AnalyticsQueryError(param, `${param} must be a calendar date YYYY-MM-DD (1970–9999), got "${text}"`);
}

/** Month may be out of 1–12 (it carries into the year), as with Date.UTC. */
export function findEpochDay(year: number, month: number, day: number): EpochDay {
  return Math.floor(Date.UTC(year, month - 1, day) / dayMs);
}

export function formatCivilDate(epochDay: EpochDay): string {
  return new Date(epochDay * dayMs).toISOString().slice(0, 10);
}

/** The Monday starting the ISO week that holds the day (1970-01-01 was a Thursday). */
export function findIsoWeekMonday(epochDay: EpochDay): EpochDay {
  const daysSinceMonday = (((epochDay + 3) % 7) + 7) % 7;
  return epochDay - daysSinceMonday;
}

/** The first day of the month `monthDelta` months after the day's month (negative = before). */
export function findMonthStart(epochDay: EpochDay, monthDelta: number): EpochDay {
  const date = new Date(epochDay * dayMs);
  return findEpochDay(date.getUTCFullYear(), date.getUTCMonth() + 1 + monthDelta, 1);
}
