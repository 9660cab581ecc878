import type { PoolClient } from 'pg';
import type { RollupRow } from '../../analytics/group-rollup-rows.js';
import { groupRollupRows, rollupKeyColumns, rollupMeasureColumns } from '../../analytics/group-rollup-rows.js';
import { rollupTables } from '../../analytics/sqlite/rollup-columns.js';
import type { GenerationRecord } from '../ports.js';
import { convertToPostgresText } from './postgres-generation-rows.js';

const keyColumns = rollupKeyColumns;
const measureColumns = rollupMeasureColumns;
const keyTypes = ['bigint', ...keyColumns.slice(1).map(() => 'text')];

/** One statement per grain whatever the row count: every column is one array parameter. */
function buildUpsertSql(table: string): string {
  const columns = [...keyColumns, ...measureColumns];
  const types = [...keyTypes, ...measureColumns.map(() => 'bigint')];
  return `INSERT INTO ${table} (${columns.join(', ')})
    SELECT * FROM unnest(${types.map((type, index) => `$${index + 1}::${type}[]`).join(', ')})
    ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET
    ${measureColumns.map((column) => `${column} = ${table}.${column} + EXCLUDED.${column}`).join(', ')}`;
}
const upsertSql = { quarterHour: buildUpsertSql(rollupTables.quarterHour), day: buildUpsertSql(rollupTables.day) };

async function upsertRows(client: PoolClient, sql: string, pending: ReadonlyMap<string, RollupRow>): Promise<void> {
  if (pending.size === 0) return;
  // A fixed order: two batches that touch the same buckets lock them in the same order, so they wait for each
  // other instead of deadlocking.
  const rows = [...pending.values()].sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
  const columns: unknown[][] = [...keyColumns, ...measureColumns].map(() => []);
  for (const row of rows) [...row.key, ...row.measures].forEach((value, index) => columns[index]!.push(value));
  await client.query(sql, columns);
}

/**
 * The PostgreSQL side of `applyToRollups` (src/analytics/sqlite/apply-to-rollups.ts), with the same dimensions,
 * measures and buckets (those holding `finishedAtMs`): records sharing a bucket and dimensions are summed first,
 * then each grain is one upsert adding to the stored sums.
 *
 * Runs on the client of the transaction that inserted the records, with only the records that insert added, so a
 * replay is never counted twice and the rollups commit or roll back with the generations. With several nodes each
 * add is `ON CONFLICT DO UPDATE SET x = x + excluded.x`: the row is locked and added to at its committed value, so
 * concurrent batches never lose an add.
 */
export async function applyToPostgresRollups(client: PoolClient, records: readonly GenerationRecord[]): Promise<void> {
  const { quarterHours, days } = groupRollupRows(records, convertToPostgresText);
  await upsertRows(client, upsertSql.quarterHour, quarterHours);
  await upsertRows(client, upsertSql.day, days);
}
