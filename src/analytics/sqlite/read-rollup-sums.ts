import type { Database } from 'better-sqlite3';
import { dayMs } from '../civil-date.js';
import { prepareRollupStatement } from './prepare-rollup-statement.js';
import type { RollupTablePair } from './rollup-columns.js';
import { selectRollupTables } from './rollup-columns.js';

/** A part of a range read from one grain of the rollups. */
export interface RollupSegment {
  readonly table: string;
  readonly startMs: number;
  readonly endMs: number;
}

/**
 * How to read [startMs, endMs) (both on quarter-hours) with the fewest rows: its whole UTC days from the
 * day grain, and the less-than-a-day at each end from the quarter-hours. A zoned week thus reads about two
 * days of quarter-hour rows and seven day rows per key, not 672 quarter-hours.
 */
export function planRollupSegments(startMs: number, endMs: number, tables: RollupTablePair): RollupSegment[] {
  const firstWholeDayMs = Math.ceil(startMs / dayMs) * dayMs;
  const lastWholeDayEndMs = Math.floor(endMs / dayMs) * dayMs;
  const segments =
    firstWholeDayMs >= lastWholeDayEndMs
      ? [{ table: tables.quarterHour, startMs, endMs }]
      : [
          { table: tables.quarterHour, startMs, endMs: firstWholeDayMs },
          { table: tables.day, startMs: firstWholeDayMs, endMs: lastWholeDayEndMs },
          { table: tables.quarterHour, startMs: lastWholeDayEndMs, endMs },
        ];
  return segments.filter((segment) => segment.startMs < segment.endMs);
}

export interface RollupSumsQuery {
  readonly startMs: number;
  readonly endMs: number;
  /** The rollup column to group by; null = a single group keyed ''. Always a fixed name, never input. */
  readonly groupColumn: string | null;
  /** Rollup columns to sum, in the order the sums are returned. */
  readonly sumColumns: readonly string[];
  /** Only this org's rows (the per-key tables, through their org index); all orgs (the barometer's) when undefined. */
  readonly orgId: string | undefined;
}

/**
 * Exact sums (bigint) of rollup columns per group over a range, each segment one grouped range read whose
 * few result rows (one per key) are merged here. Groups with no rows in the range are absent.
 */
export function readRollupSums(database: Database, query: RollupSumsQuery): Map<string, bigint[]> {
  const sumsByKey = new Map<string, bigint[]>();
  for (const segment of planRollupSegments(query.startMs, query.endMs, selectRollupTables(query.orgId))) {
    const statement = prepareRollupStatement(database, buildSumsSql(segment.table, query)).raw(true);
    const rows = statement.all({
      startMs: segment.startMs,
      endMs: segment.endMs,
      ...(query.orgId === undefined ? {} : { orgId: query.orgId }),
    }) as [string, ...(bigint | null)[]][];
    for (const [key, ...values] of rows) {
      if (values.every((value) => value === null)) continue; // an ungrouped sum over no rows
      const sums = sumsByKey.get(key) ?? query.sumColumns.map(() => 0n);
      values.forEach((value, index) => (sums[index] = (sums[index] ?? 0n) + (value ?? 0n)));
      sumsByKey.set(key, sums);
    }
  }
  return sumsByKey;
}

function buildSumsSql(table: string, query: RollupSumsQuery): string {
  const sums = query.sumColumns.map((column) => `SUM(${column})`).join(', ');
  return `SELECT ${query.groupColumn ?? "''"} AS key, ${sums} FROM ${table}
    WHERE bucket_start_ms >= @startMs AND bucket_start_ms < @endMs
    ${query.orgId === undefined ? '' : 'AND org_id = @orgId'}
    ${query.groupColumn === null ? '' : `GROUP BY ${query.groupColumn}`}`;
}
