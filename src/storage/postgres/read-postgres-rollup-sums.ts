import type { Pool } from 'pg';
import { planRollupSegments } from '../../analytics/sqlite/read-rollup-sums.js';
import type { RollupTablePair } from '../../analytics/sqlite/rollup-columns.js';
import { selectRollupTables } from '../../analytics/sqlite/rollup-columns.js';

/** [startMs, endMs), both on quarter-hours. */
export interface RollupRange {
  readonly startMs: number;
  readonly endMs: number;
}

export interface RollupRangesQuery {
  readonly ranges: readonly RollupRange[];
  /** The rollup column to group by; null = a single group keyed ''. Always a fixed name, never input. */
  readonly groupColumn: string | null;
  /** Rollup columns to sum, in the order the sums are returned. Fixed names, never input. */
  readonly sumColumns: readonly string[];
  /** Only this org's rows (the per-key tables, through their org indexes); all orgs (the barometer's) when undefined. */
  readonly orgId: string | undefined;
}

/** The segments of every range read from one grain, as three parallel arrays (one array parameter each). */
interface GrainSegments {
  readonly rangeIndexes: number[];
  readonly startsMs: number[];
  readonly endsMs: number[];
}

/**
 * Each segment is a LATERAL read of its grain, summed per key on the spot. Kept apart (a grouped subquery is never
 * flattened into a join), each segment is one index range scan returning one row per key; flattened, the planner
 * cannot see how narrow the ranges in the arrays are and scans the whole quarter-hour table (measured: ~300 ms over
 * a year of rollups for a zoned week, against ~3 ms), and unsummed rows would be sorted by the thousand.
 */
function buildSumsSql(query: RollupRangesQuery, tables: RollupTablePair): string {
  const key = query.groupColumn ?? "''::text";
  const sums = query.sumColumns.map((column, index) => `SUM(${column}) AS m${index}`).join(', ');
  const orgFilter = query.orgId === undefined ? '' : 'AND org_id = $7';
  const selectGrain = (table: string, first: number): string => `SELECT s.range_index, r.*
      FROM unnest($${first}::integer[], $${first + 1}::bigint[], $${first + 2}::bigint[]) AS s (range_index, start_ms, end_ms)
      CROSS JOIN LATERAL (
        SELECT ${key} AS key, ${sums} FROM ${table}
        WHERE bucket_start_ms >= s.start_ms AND bucket_start_ms < s.end_ms ${orgFilter}
        GROUP BY 1
      ) AS r`;
  return `SELECT range_index, key, ${query.sumColumns.map((_, index) => `SUM(m${index})`).join(', ')}
    FROM (${selectGrain(tables.quarterHour, 1)} UNION ALL ${selectGrain(tables.day, 4)}) AS segment_sums
    GROUP BY range_index, key`;
}

/**
 * Exact sums (bigint) of rollup columns per group, for each range: the PostgreSQL form of SQLite's
 * `readRollupSums`, with the same plan (whole UTC days from the day grain, the ends from quarter-hours; see
 * `planRollupSegments`) and the same answer — a group is present in a range's map when it has rows there. All the
 * ranges of one query (a ranking's two periods, a series' periods, Activity's days) are one statement: one round
 * trip, and one snapshot, so the periods of an answer can never straddle a concurrent commit.
 */
export async function readPostgresRollupSums(pool: Pool, query: RollupRangesQuery): Promise<Map<string, bigint[]>[]> {
  const sums = query.ranges.map(() => new Map<string, bigint[]>());
  const quarterHours: GrainSegments = { rangeIndexes: [], startsMs: [], endsMs: [] };
  const days: GrainSegments = { rangeIndexes: [], startsMs: [], endsMs: [] };
  const tables = selectRollupTables(query.orgId);
  query.ranges.forEach((range, rangeIndex) => {
    for (const segment of planRollupSegments(range.startMs, range.endMs, tables)) {
      const grain = segment.table === tables.day ? days : quarterHours;
      grain.rangeIndexes.push(rangeIndex);
      grain.startsMs.push(segment.startMs);
      grain.endsMs.push(segment.endMs);
    }
  });
  if (quarterHours.rangeIndexes.length + days.rangeIndexes.length === 0) return sums;
  const values: unknown[] = [
    ...[quarterHours, days].flatMap((grain) => [grain.rangeIndexes, grain.startsMs, grain.endsMs]),
    ...(query.orgId === undefined ? [] : [query.orgId]),
  ];
  const { rows } = await pool.query<[number, string, ...(bigint | null)[]]>({
    text: buildSumsSql(query, tables),
    values,
    rowMode: 'array',
  });
  for (const [rangeIndex, key, ...columnSums] of rows)
    sums[rangeIndex]?.set(
      key,
      columnSums.map((sum) => sum ?? 0n),
    );
  return sums;
}
