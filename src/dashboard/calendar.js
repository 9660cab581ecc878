// Calendar arithmetic for the Rankings page: periods (day, ISO week from Monday, month) of `YYYY-MM-DD` dates,
// moved by whole periods. Pure functions, no DOM and no clock: unit-tested in calendar.test.ts. Dates are
// calendar dates (the API reads them in its `tz`), so the arithmetic runs on UTC midnights, where no day is
// 23 or 25 hours long.

const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const periodNames = { day: 'Day', week: 'Week', month: 'Month' };

/** `YYYY-MM-DD` of an instant's UTC day. */
export function calendarDateOf(instantMs) {
  return new Date(instantMs).toISOString().slice(0, 10);
}

/** A real calendar date `YYYY-MM-DD` (years 1000–9999) as it is, anything else (2026-02-30, 2026-3-1) → null. */
export function parseCalendarDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text ?? ''));
  if (match === null || match[1] < '1000') return null;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? match[0] : null;
}

/** The first day of the period holding `date`: itself, the Monday of its ISO week, or the 1st of its month. */
export function startOfPeriod(period, date) {
  const [year, month, day] = readParts(date);
  if (period === 'month') return fromParts(year, month, 1);
  if (period === 'week') {
    const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
    return fromParts(year, month, day - weekday);
  }
  return date;
}

/** The first day of the period `count` periods after (negative: before) the one holding `date`. */
export function shiftPeriod(period, date, count) {
  const [year, month, day] = readParts(startOfPeriod(period, date));
  if (period === 'month') return fromParts(year, month + count, 1);
  return fromParts(year, month, day + count * (period === 'week' ? 7 : 1));
}

/** The last day of the period holding `date` (the day before the next period starts). */
export function lastDayOfPeriod(period, date) {
  const [year, month, day] = readParts(shiftPeriod(period, date, 1));
  return fromParts(year, month, day - 1);
}

/** −1, 0 or 1 as the period holding `date` comes before, is, or comes after the one holding `other`. */
export function comparePeriods(period, date, other) {
  const first = startOfPeriod(period, date);
  const second = startOfPeriod(period, other);
  return first === second ? 0 : first < second ? -1 : 1;
}

/**
 * A heading for a period as the API bounds it (`start` inclusive, `end` exclusive, ISO date-times whose dates are
 * the zone's): "Week 23 Mar – 29 Mar 2026 (UTC)", "Week 29 Dec 2025 – 4 Jan 2026 (UTC)", "Day 23 Mar 2026 (UTC)".
 */
export function describePeriod({ period, start, end, timeZone }) {
  // The date before the `T`: the end of a period holding 9999-12-31 is in year +010000.
  const first = readParts(String(start).split('T')[0]);
  const [endYear, endMonth, endDay] = readParts(String(end).split('T')[0]);
  const last = readParts(fromParts(endYear, endMonth, endDay - 1));
  const name = periodNames[period] ?? period;
  const lastText = formatDay(last, true);
  const range = first.join() === last.join() ? lastText : `${formatDay(first, first[0] !== last[0])} – ${lastText}`;
  return `${name} ${range} (${timeZone})`;
}

/** A calendar date for people: "2026-03-29" → "29 Mar 2026". */
export function formatCalendarDate(date) {
  return formatDay(readParts(date), true);
}

function formatDay([year, month, day], hasYear) {
  return `${day} ${monthNames[month - 1]}${hasYear ? ` ${year}` : ''}`;
}

function readParts(date) {
  return date.split('-').map(Number);
}

/** Date.UTC carries overflowing months and days into the next month or year (day 0 is the month's last). */
function fromParts(year, month, day) {
  return calendarDateOf(Date.UTC(year, month - 1, day));
}
