import { describe, expect, it } from 'vitest';
import {
  calendarDateOf,
  comparePeriods,
  describePeriod,
  formatCalendarDate,
  lastDayOfPeriod,
  parseCalendarDate,
  shiftPeriod,
  startOfPeriod,
} from './calendar.js';
import type { Period } from './calendar.js';

describe('calendarDateOf', () => {
  it.each([
    [Date.UTC(2026, 2, 30), '2026-03-30'],
    [Date.UTC(2026, 2, 30, 23, 59, 59, 999), '2026-03-30'],
    [Date.UTC(2025, 11, 31, 23, 59, 59, 999) + 1, '2026-01-01'],
  ])('%s → %s', (instantMs, date) => {
    expect(calendarDateOf(instantMs)).toBe(date);
  });
});

describe('parseCalendarDate', () => {
  it.each([
    ['2026-03-30', '2026-03-30'],
    ['2024-02-29', '2024-02-29'],
    ['2026-12-31', '2026-12-31'],
    ['2026-02-29', null],
    ['2026-02-30', null],
    ['2026-04-31', null],
    ['2026-13-01', null],
    ['2026-00-10', null],
    ['2026-01-00', null],
    ['2026-3-1', null],
    ['0999-12-31', null],
    ['2026-03-30T00:00:00Z', null],
    [' 2026-03-30', null],
    ['', null],
    [null, null],
    [undefined, null],
  ])('%s → %s', (text, date) => {
    expect(parseCalendarDate(text)).toBe(date);
  });
});

describe('startOfPeriod', () => {
  it.each<[Period, string, string]>([
    ['day', '2026-03-31', '2026-03-31'],
    // ISO weeks start on Monday: Monday itself, a Sunday, across a month and a year boundary.
    ['week', '2026-03-30', '2026-03-30'],
    ['week', '2026-04-05', '2026-03-30'],
    ['week', '2026-04-01', '2026-03-30'],
    ['week', '2026-01-01', '2025-12-29'],
    ['week', '2026-01-04', '2025-12-29'],
    ['week', '2026-01-05', '2026-01-05'],
    ['week', '2021-01-03', '2020-12-28'],
    ['week', '2024-03-03', '2024-02-26'],
    ['month', '2026-03-31', '2026-03-01'],
    ['month', '2026-02-28', '2026-02-01'],
    ['month', '2026-01-01', '2026-01-01'],
  ])('%s of %s → %s', (period, date, start) => {
    expect(startOfPeriod(period, date)).toBe(start);
  });
});

describe('shiftPeriod', () => {
  it.each<[Period, string, number, string]>([
    ['day', '2026-03-30', -1, '2026-03-29'],
    ['day', '2026-01-01', -1, '2025-12-31'],
    ['day', '2024-02-28', 1, '2024-02-29'],
    ['day', '2026-02-28', 1, '2026-03-01'],
    ['day', '2026-03-30', 0, '2026-03-30'],
    // Weeks land on the Monday of the week `count` away, whatever day of the week `date` is.
    ['week', '2026-03-30', -1, '2026-03-23'],
    ['week', '2026-04-05', -1, '2026-03-23'],
    ['week', '2026-03-23', 1, '2026-03-30'],
    ['week', '2026-01-07', -1, '2025-12-29'],
    ['week', '2025-12-29', 1, '2026-01-05'],
    ['week', '2026-01-01', -2, '2025-12-15'],
    ['week', '2026-03-30', -7, '2026-02-09'],
    ['week', '2026-04-01', 0, '2026-03-30'],
    // Months land on the 1st, from the 31st too (no 31 February).
    ['month', '2026-03-31', -1, '2026-02-01'],
    ['month', '2026-01-31', 1, '2026-02-01'],
    ['month', '2026-01-15', -1, '2025-12-01'],
    ['month', '2025-12-31', 1, '2026-01-01'],
    ['month', '2026-03-30', -14, '2025-01-01'],
  ])('%s of %s moved by %i → %s', (period, date, count, shifted) => {
    expect(shiftPeriod(period, date, count)).toBe(shifted);
  });
});

describe('lastDayOfPeriod', () => {
  it.each<[Period, string, string]>([
    ['day', '2026-03-30', '2026-03-30'],
    ['week', '2026-03-30', '2026-04-05'],
    ['week', '2026-03-23', '2026-03-29'],
    ['week', '2025-12-31', '2026-01-04'],
    ['month', '2026-01-10', '2026-01-31'],
    ['month', '2026-02-10', '2026-02-28'],
    ['month', '2024-02-10', '2024-02-29'],
    ['month', '2026-04-30', '2026-04-30'],
    ['month', '2026-12-01', '2026-12-31'],
  ])('%s of %s → %s', (period, date, last) => {
    expect(lastDayOfPeriod(period, date)).toBe(last);
  });
});

describe('comparePeriods', () => {
  it.each<[Period, string, string, -1 | 0 | 1]>([
    ['week', '2026-03-30', '2026-04-05', 0],
    ['week', '2026-03-29', '2026-03-30', -1],
    ['week', '2026-04-06', '2026-04-05', 1],
    ['week', '2025-12-29', '2026-01-04', 0],
    ['day', '2026-03-30', '2026-03-30', 0],
    ['day', '2026-03-30', '2026-03-31', -1],
    ['month', '2026-03-01', '2026-03-31', 0],
    ['month', '2026-02-28', '2026-03-01', -1],
    ['month', '2027-01-01', '2026-12-31', 1],
  ])('%s: %s against %s → %i', (period, date, other, order) => {
    expect(comparePeriods(period, date, other)).toBe(order);
  });
});

describe('describePeriod', () => {
  it.each<[Period, string, string, string, string]>([
    ['week', '2026-03-23T00:00:00+00:00', '2026-03-30T00:00:00+00:00', 'UTC', 'Week 23 Mar – 29 Mar 2026 (UTC)'],
    ['week', '2025-12-29T00:00:00+00:00', '2026-01-05T00:00:00+00:00', 'UTC', 'Week 29 Dec 2025 – 4 Jan 2026 (UTC)'],
    ['day', '2026-03-30T00:00:00+00:00', '2026-03-31T00:00:00+00:00', 'UTC', 'Day 30 Mar 2026 (UTC)'],
    ['month', '2026-02-01T00:00:00+00:00', '2026-03-01T00:00:00+00:00', 'UTC', 'Month 1 Feb – 28 Feb 2026 (UTC)'],
    ['month', '2026-12-01T00:00:00+00:00', '2027-01-01T00:00:00+00:00', 'UTC', 'Month 1 Dec – 31 Dec 2026 (UTC)'],
    ['day', '9999-12-31T00:00:00+00:00', '+010000-01-01T00:00:00+00:00', 'UTC', 'Day 31 Dec 9999 (UTC)'],
    // The zone's dates, not UTC's: the week starts at 00:00 in Shanghai, 16:00 the day before in UTC.
    [
      'week',
      '2026-03-23T00:00:00+08:00',
      '2026-03-30T00:00:00+08:00',
      'Asia/Shanghai',
      'Week 23 Mar – 29 Mar 2026 (Asia/Shanghai)',
    ],
  ])('%s %s – %s', (period, start, end, timeZone, heading) => {
    expect(describePeriod({ period, start, end, timeZone })).toBe(heading);
  });
});

describe('formatCalendarDate', () => {
  it.each([
    ['2026-03-29', '29 Mar 2026'],
    ['2026-01-01', '1 Jan 2026'],
    ['2025-12-31', '31 Dec 2025'],
  ])('%s → %s', (date, text) => {
    expect(formatCalendarDate(date)).toBe(text);
  });
});
