import type { Pool } from 'pg';
import type { ActivityParams, ActivityResult, ActivityRow } from '../../analytics/analytics-types.js';
import { activityGroupings } from '../../analytics/analytics-types.js';
import { formatCivilDate } from '../../analytics/civil-date.js';
import { parseOneOf } from '../../analytics/parse-query-options.js';
import { assertOnRollupBucket } from '../../analytics/period-bounds.js';
import {
  compareRows,
  convertToActivityRow,
  parseRange,
  sumColumns,
  sumTotals,
} from '../../analytics/sqlite/query-activity.js';
import type { Range } from '../../analytics/sqlite/query-activity.js';
import { dimensionColumns } from '../../analytics/sqlite/rollup-columns.js';
import type { TimeZone } from '../../analytics/time-zone.js';
import { findZonedDayStartMs, findZonedEpochDay, parseTimeZone } from '../../analytics/time-zone.js';
import { readPostgresRollupSums } from './read-postgres-rollup-sums.js';

/**
 * One org's usage over a range, per model, key, provider or local day, with every measure: SQLite's
 * `queryActivity` with the same validation, quarter-hour widening, zoned days and row order. Always filtered by
 * `orgId` (the org indexes), so it cannot return another tenant's usage; every day of a range is one statement.
 *
 * @throws AnalyticsQueryError (as a rejection) for an empty org id, a range that is empty, reversed or longer than
 *   400 days, or an unknown zone.
 */
export async function queryPostgresActivity(pool: Pool, params: ActivityParams): Promise<ActivityResult> {
  const groupBy = parseOneOf(params.groupBy, activityGroupings, 'groupBy');
  const zone = parseTimeZone(params.timeZone);
  const range = parseRange(params);
  const rows = groupBy === 'day' ? await readDayRows(pool, range, zone) : await readGroupRows(pool, range, groupBy);
  return { ...range, groupBy, timeZone: zone.name, rows, total: sumTotals(rows) };
}

async function readGroupRows(pool: Pool, range: Range, groupBy: 'model' | 'key' | 'provider'): Promise<ActivityRow[]> {
  const [sums = new Map<string, bigint[]>()] = await readPostgresRollupSums(pool, {
    ranges: [{ startMs: range.fromMs, endMs: range.toMs }],
    groupColumn: dimensionColumns[groupBy],
    sumColumns,
    orgId: range.orgId,
  });
  return [...sums].map(([key, values]) => convertToActivityRow(key, values)).sort(compareRows);
}

/** Every local day touching the range, each summed over its part of the range (zeros included). */
async function readDayRows(pool: Pool, range: Range, zone: TimeZone): Promise<ActivityRow[]> {
  const days: { readonly day: number; readonly startMs: number; readonly endMs: number }[] = [];
  const lastDay = findZonedEpochDay(zone, range.toMs - 1);
  for (let day = findZonedEpochDay(zone, range.fromMs); day <= lastDay; day += 1) {
    const dayStartMs = findZonedDayStartMs(zone, day);
    assertOnRollupBucket(zone, dayStartMs);
    days.push({
      day,
      startMs: Math.max(range.fromMs, dayStartMs),
      endMs: Math.min(range.toMs, findZonedDayStartMs(zone, day + 1)),
    });
  }
  const sumsByDay = await readPostgresRollupSums(pool, {
    ranges: days,
    groupColumn: null,
    sumColumns,
    orgId: range.orgId,
  });
  return days.map(({ day }, index) => convertToActivityRow(formatCivilDate(day), sumsByDay[index]?.get('') ?? []));
}
