import { describe, expect, it } from 'vitest';
import type { RankingPeriod } from './analytics-types.js';
import { findIsoWeekMonday, formatCivilDate, parseCivilDate } from './civil-date.js';
import { findPeriodBounds } from './period-bounds.js';
import { parseTimeZone } from './time-zone.js';

function bounds(zone: string, period: RankingPeriod, date: string, offset: number): [string, string] {
  const result = findPeriodBounds(parseTimeZone(zone), period, parseCivilDate(date, 'date'), offset);
  expect(result.startMs).toBe(Date.parse(result.start));
  expect(result.endMs).toBe(Date.parse(result.end));
  return [result.start, result.end];
}

describe('calendar dates', () => {
  it.each(['2026-02-29', '2026-13-01', '2026-2-01', '1969-12-31', '2026-06-31', '20260601', ' 2026-06-01'])(
    'refuses %j',
    (text) => {
      expect(() => parseCivilDate(text, 'date')).toThrow(/date must be a calendar date/);
    },
  );

  it.each([
    ['2026-06-29', '2026-06-29'],
    ['2026-07-05', '2026-06-29'],
    ['2026-07-06', '2026-07-06'],
    ['2027-01-01', '2026-12-28'],
    ['2028-02-29', '2028-02-28'],
    ['1970-01-01', '1969-12-29'],
  ])('the ISO week of %s starts on Monday %s', (date, monday) => {
    expect(formatCivilDate(findIsoWeekMonday(parseCivilDate(date, 'date')))).toBe(monday);
  });
});

describe('findPeriodBounds', () => {
  it.each([
    // An ISO week across a month boundary, and its previous week.
    ['UTC', 'week', '2026-07-01', 0, '2026-06-29T00:00:00+00:00', '2026-07-06T00:00:00+00:00'],
    ['UTC', 'week', '2026-07-05', -1, '2026-06-22T00:00:00+00:00', '2026-06-29T00:00:00+00:00'],
    ['Asia/Shanghai', 'week', '2026-06-29', 0, '2026-06-29T00:00:00+08:00', '2026-07-06T00:00:00+08:00'],
    // A week across a year boundary.
    ['UTC', 'week', '2027-01-03', 0, '2026-12-28T00:00:00+00:00', '2027-01-04T00:00:00+00:00'],
    // The week holding LA's spring-forward Sunday is 167 hours; the one holding its fall-back Sunday 169.
    ['America/Los_Angeles', 'week', '2026-03-08', 0, '2026-03-02T00:00:00-08:00', '2026-03-09T00:00:00-07:00'],
    ['America/Los_Angeles', 'week', '2026-11-01', 0, '2026-10-26T00:00:00-07:00', '2026-11-02T00:00:00-08:00'],
    ['Europe/Berlin', 'day', '2026-10-25', 0, '2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00'],
    ['Europe/Berlin', 'day', '2026-03-30', -1, '2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00'],
    ['UTC', 'month', '2026-02-14', 0, '2026-02-01T00:00:00+00:00', '2026-03-01T00:00:00+00:00'],
    ['UTC', 'month', '2026-01-31', -1, '2025-12-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00'],
    ['UTC', 'month', '2028-02-29', 0, '2028-02-01T00:00:00+00:00', '2028-03-01T00:00:00+00:00'],
    ['Asia/Kathmandu', 'month', '2026-03-31', 0, '2026-03-01T00:00:00+05:45', '2026-04-01T00:00:00+05:45'],
  ] as const)('%s %s of %s (offset %i) is [%s, %s)', (zone, period, date, offset, start, end) => {
    expect(bounds(zone, period, date, offset)).toEqual([start, end]);
  });

  it('gives the week holding a DST change its true length in hours', () => {
    const zone = parseTimeZone('America/Los_Angeles');
    const week = findPeriodBounds(zone, 'week', parseCivilDate('2026-03-08', 'date'), 0);
    expect((week.endMs - week.startMs) / 3_600_000).toBe(167);
  });
});
