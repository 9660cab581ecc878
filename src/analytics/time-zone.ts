import { analyticsLimits } from './analytics-limits.js';
import { AnalyticsQueryError } from './analytics-query-error.js';
import type { EpochDay } from './civil-date.js';
import { dayMs } from './civil-date.js';

/** An IANA time zone the runtime knows, with the formatter that reads its offsets (built once per zone). */
export interface TimeZone {
  readonly name: string;
  readonly formatter: Intl.DateTimeFormat;
}

/** Formatters of valid zones, keyed by lower-cased name: bounded by the IANA list (~600 names and aliases). */
const formattersByLowerName = new Map<string, { readonly formatter: Intl.DateTimeFormat; readonly resolved: string }>();

/**
 * Validates an IANA zone name with Intl (no dependency, the runtime's own tz data). Case-insensitive, as Intl
 * is; the returned name is the runtime's spelling when it differs only in case (`utc` → `UTC`), else the
 * caller's (`Asia/Kolkata` stays, though ICU resolves it to `Asia/Calcutta`). Offsets like `+05:30` are not
 * zones (they have no DST rules) and are refused.
 */
export function parseTimeZone(name: string | undefined, param = 'timeZone'): TimeZone {
  const requested = name ?? 'UTC';
  if (requested.length === 0 || requested.length > analyticsLimits.timeZoneNameLengthMax) {
    throw new AnalyticsQueryError(param, `${param} must be an IANA time zone name such as Europe/Berlin`);
  }
  const entry = formattersByLowerName.get(requested.toLowerCase()) ?? createFormatter(requested, param);
  const isCaseVariant = entry.resolved.toLowerCase() === requested.toLowerCase();
  return { name: isCaseVariant ? entry.resolved : requested, formatter: entry.formatter };
}

function createFormatter(
  requested: string,
  param: string,
): { readonly formatter: Intl.DateTimeFormat; readonly resolved: string } {
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: requested,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new AnalyticsQueryError(param, `unknown time zone "${requested}": ${param} must be an IANA name`);
  }
  const entry = { formatter, resolved: formatter.resolvedOptions().timeZone };
  formattersByLowerName.set(requested.toLowerCase(), entry);
  return entry;
}

/** Local wall-clock time minus UTC at an instant, in ms (+5:45 in Nepal = 20 700 000). */
export function findZoneOffsetMs(zone: TimeZone, instantMs: number): number {
  const fields: Record<string, number> = {};
  for (const part of zone.formatter.formatToParts(instantMs)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const wallMs = Date.UTC(
    fields['year'] ?? Number.NaN,
    (fields['month'] ?? Number.NaN) - 1,
    fields['day'] ?? Number.NaN,
    fields['hour'] ?? Number.NaN,
    fields['minute'] ?? Number.NaN,
    fields['second'] ?? Number.NaN,
  );
  return wallMs - (instantMs - (((instantMs % 1000) + 1000) % 1000));
}

/**
 * The instant at which the zone's clocks show `wallMs` (a wall-clock time written as if it were UTC), with
 * Temporal's "compatible" rule: a time shown twice (autumn) is its earlier instant; a time skipped (spring)
 * is moved later by the size of the gap, so a day whose midnight is skipped starts when the gap ends.
 * Assumes at most one offset change within a day on either side, true of every zone since 1970.
 */
export function findInstantOfWallTime(zone: TimeZone, wallMs: number): number {
  const offsetBeforeMs = findZoneOffsetMs(zone, wallMs - dayMs);
  const offsetAfterMs = findZoneOffsetMs(zone, wallMs + dayMs);
  const candidates = [wallMs - offsetBeforeMs, wallMs - offsetAfterMs]
    .filter((instantMs) => instantMs + findZoneOffsetMs(zone, instantMs) === wallMs)
    .sort((left, right) => left - right);
  return candidates[0] ?? wallMs - offsetBeforeMs;
}

/** The first instant of a calendar day in the zone (its local midnight, or the end of a gap over it). */
export function findZonedDayStartMs(zone: TimeZone, epochDay: EpochDay): number {
  return findInstantOfWallTime(zone, epochDay * dayMs);
}

/** The zone's calendar day at an instant. */
export function findZonedEpochDay(zone: TimeZone, instantMs: number): EpochDay {
  return Math.floor((instantMs + findZoneOffsetMs(zone, instantMs)) / dayMs);
}

/** ISO 8601 with the zone's offset at that instant, to the second: `2026-03-29T00:00:00+01:00`. */
export function formatZonedIso(zone: TimeZone, instantMs: number): string {
  const offsetMs = findZoneOffsetMs(zone, instantMs);
  // Without the milliseconds and `Z`, not cut at 19 characters: the end of 9999-12-31 is in year +010000.
  const wall = new Date(instantMs + offsetMs).toISOString().replace(/\.\d{3}Z$/, '');
  const offsetMinutes = Math.round(Math.abs(offsetMs) / 60_000);
  const hours = String(Math.floor(offsetMinutes / 60)).padStart(2, '0');
  const minutes = String(offsetMinutes % 60).padStart(2, '0');
  return `${wall}${offsetMs < 0 ? '-' : '+'}${hours}:${minutes}`;
}
