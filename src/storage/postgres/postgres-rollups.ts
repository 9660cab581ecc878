import type { PoolClient } from 'pg';
import type { AdmitApp } from '../../analytics/app-name-budget.js';
import type { RollupGrain, RollupRow } from '../../analytics/group-rollup-rows.js';
import {
  buildRollupAdd,
  groupRollupRows,
  rollupGrains,
  rollupMeasureColumns,
} from '../../analytics/group-rollup-rows.js';
import type { GenerationRecord } from '../ports.js';
import { convertToPostgresText } from './postgres-generation-rows.js';

const measureColumns = rollupMeasureColumns;

/** One statement per grain whatever the row count: every column is one array parameter. */
function buildUpsertSql({ table, keyColumns }: RollupGrain): string {
  const columns = [...keyColumns, ...measureColumns];
  const types = ['bigint', ...keyColumns.slice(1).map(() => 'text'), ...measureColumns.map(() => 'bigint')];
  return `INSERT INTO ${table} (${columns.join(', ')})
    SELECT * FROM unnest(${types.map((type, index) => `$${index + 1}::${type}[]`).join(', ')})
    ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET
    ${measureColumns.map((column) => `${column} = ${buildRollupAdd(column, `${table}.${column}`, `EXCLUDED.${column}`)}`).join(', ')}`;
}
const upsertSqlByTable = new Map(rollupGrains.map((grain) => [grain.table, buildUpsertSql(grain)]));

async function upsertRows(
  client: PoolClient,
  grain: RollupGrain,
  pending: ReadonlyMap<string, RollupRow>,
): Promise<void> {
  if (pending.size === 0) return;
  // A fixed order: two batches that touch the same buckets lock them in the same order, so they wait for each
  // other instead of deadlocking.
  const rows = [...pending.values()].sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
  const columns: unknown[][] = [...grain.keyColumns, ...measureColumns].map(() => []);
  for (const row of rows) [...row.key, ...row.measures].forEach((value, index) => columns[index]!.push(value));
  await client.query(upsertSqlByTable.get(grain.table)!, columns);
}

/**
 * The PostgreSQL side of `applyToRollups` (src/analytics/sqlite/apply-to-rollups.ts), with the same tables,
 * dimensions, measures and buckets (those holding `finishedAtMs`): records sharing a bucket and dimensions are summed first,
 * then each grain is one upsert adding to the stored sums.
 *
 * Runs on the client of the transaction that inserted the records, with only the records that insert added, so a
 * replay is never counted twice and the rollups commit or roll back with the generations. With several nodes each
 * add is `ON CONFLICT DO UPDATE SET x = x + excluded.x`: the row is locked and added to at its committed value, so
 * concurrent batches never lose an add.
 */
export async function applyToPostgresRollups(
  client: PoolClient,
  records: readonly GenerationRecord[],
  admitApp?: AdmitApp,
): Promise<void> {
  const grains = groupRollupRows(records, {
    convertText: convertToPostgresText,
    ...(admitApp === undefined ? {} : { admitApp }),
  });
  // Grains in a fixed order too (rollupGrains'), for the same reason.
  for (const { grain, rows } of grains) await upsertRows(client, grain, rows);
}
