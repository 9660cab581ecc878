import { describe, expect, it } from 'vitest';
import { AnalyticsQueryError } from './analytics-query-error.js';
import { findEpochDay } from './civil-date.js';
import {
  findInstantOfWallTime,
  findZonedDayStartMs,
  findZonedEpochDay,
  findZoneOffsetMs,
  formatZonedIso,
  parseTimeZone,
} from './time-zone.js';

const hourMs = 3_600_000;

describe('parseTimeZone', () => {
  it.each([
    [undefined, 'UTC'],
    ['UTC', 'UTC'],
    ['utc', 'UTC'],
    ['europe/berlin', 'Europe/Berlin'],
    ['Asia/Kolkata', 'Asia/Kolkata'],
    ['Asia/Kathmandu', 'Asia/Kathmandu'],
  ])('accepts %s as %s', (name, expected) => {
    expect(parseTimeZone(name).name).toBe(expected);
  });

  it.each(['Mars/Olympus_Mons', '+05:30', '', 'Europe/'.padEnd(65, 'x')])('refuses %j with a 400', (name) => {
    const error = catchError(() => parseTimeZone(name, 'tz'));
    expect(error).toBeInstanceOf(AnalyticsQueryError);
    expect(error).toMatchObject({ code: 'invalid_request', status: 400, param: 'tz' });
  });
});

describe('zone offsets and local days', () => {
  it.each([
    ['UTC', '2026-01-15T12:00:00Z', 0],
    ['Asia/Kathmandu', '2026-01-15T12:00:00Z', 5 * hourMs + 45 * 60_000],
    ['Asia/Kolkata', '2026-01-15T12:00:00Z', 5 * hourMs + 30 * 60_000],
    ['Europe/Berlin', '2026-03-29T00:59:59Z', hourMs],
    ['Europe/Berlin', '2026-03-29T01:00:00Z', 2 * hourMs],
    ['America/Los_Angeles', '2026-03-08T09:59:59.999Z', -8 * hourMs],
    ['America/Los_Angeles', '2026-03-08T10:00:00Z', -7 * hourMs],
  ])('%s at %s is offset by %i ms', (zone, iso, offsetMs) => {
    expect(findZoneOffsetMs(parseTimeZone(zone), Date.parse(iso))).toBe(offsetMs);
  });

  it.each([
    // Spring forward: Berlin's 23-hour day and LA's; autumn: 25 hours.
    ['Europe/Berlin', 2026, 3, 29, '2026-03-28T23:00:00.000Z', 23],
    ['Europe/Berlin', 2026, 10, 25, '2026-10-24T22:00:00.000Z', 25],
    ['America/Los_Angeles', 2026, 3, 8, '2026-03-08T08:00:00.000Z', 23],
    ['America/Los_Angeles', 2026, 11, 1, '2026-11-01T07:00:00.000Z', 25],
    ['America/New_York', 2026, 3, 8, '2026-03-08T05:00:00.000Z', 23],
    ['Asia/Kathmandu', 2026, 1, 1, '2025-12-31T18:15:00.000Z', 24],
    ['Asia/Shanghai', 2026, 6, 29, '2026-06-28T16:00:00.000Z', 24],
    // Santiago skips its midnight (00:00 → 01:00): the day starts when the gap ends.
    ['America/Santiago', 2026, 9, 6, '2026-09-06T04:00:00.000Z', 23],
    // Havana shows midnight twice (01:00 → 00:00): the day starts at the first one and lasts 25 hours.
    ['America/Havana', 2026, 11, 1, '2026-11-01T04:00:00.000Z', 25],
  ])('%s %i-%i-%i starts at %s and lasts %i hours', (zoneName, year, month, day, startIso, hours) => {
    const zone = parseTimeZone(zoneName);
    const epochDay = findEpochDay(year, month, day);
    const startMs = findZonedDayStartMs(zone, epochDay);
    expect(new Date(startMs).toISOString()).toBe(startIso);
    expect((findZonedDayStartMs(zone, epochDay + 1) - startMs) / hourMs).toBe(hours);
    expect(findZonedEpochDay(zone, startMs)).toBe(epochDay);
    expect(findZonedEpochDay(zone, startMs - 1)).toBe(epochDay - 1);
  });

  it('moves a skipped wall time later and takes the earlier of a repeated one', () => {
    const berlin = parseTimeZone('Europe/Berlin');
    expect(new Date(findInstantOfWallTime(berlin, Date.UTC(2026, 2, 29, 2, 30))).toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    expect(new Date(findInstantOfWallTime(berlin, Date.UTC(2026, 9, 25, 2, 30))).toISOString()).toBe(
      '2026-10-25T00:30:00.000Z',
    );
  });

  it.each([
    ['UTC', '2026-06-29T00:00:00Z', '2026-06-29T00:00:00+00:00'],
    ['Europe/Berlin', '2026-03-28T23:00:00Z', '2026-03-29T00:00:00+01:00'],
    ['Europe/Berlin', '2026-03-29T22:00:00Z', '2026-03-30T00:00:00+02:00'],
    ['America/Los_Angeles', '2026-03-08T08:00:00Z', '2026-03-08T00:00:00-08:00'],
    ['Asia/Kathmandu', '2025-12-31T18:15:00Z', '2026-01-01T00:00:00+05:45'],
    ['America/St_Johns', '2026-01-15T03:30:00Z', '2026-01-15T00:00:00-03:30'],
    // The end of a period holding 9999-12-31 (the last date accepted): a six-digit year, whole, that Date.parse reads.
    ['UTC', '+010000-01-01T00:00:00Z', '+010000-01-01T00:00:00+00:00'],
  ])('formats %s %s as %s', (zone, iso, expected) => {
    expect(formatZonedIso(parseTimeZone(zone), Date.parse(iso))).toBe(expected);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
