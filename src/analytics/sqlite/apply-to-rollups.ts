import { strict as assert } from 'node:assert';
import type { Database } from 'better-sqlite3';
import type { GenerationRecord } from '../../storage/index.js';
import type { AdmitApp } from '../app-name-budget.js';
import type { RollupGrain } from '../group-rollup-rows.js';
import { buildRollupAdd, groupRollupRows, rollupGrains, rollupMeasureColumns } from '../group-rollup-rows.js';
import { prepareRollupStatement } from './prepare-rollup-statement.js';

const measureColumns = rollupMeasureColumns;

function buildUpsertSql({ table, keyColumns }: RollupGrain): string {
  const columns = [...keyColumns, ...measureColumns];
  return `INSERT INTO ${table} (${columns.join(', ')})
  VALUES (${columns.map(() => '?').join(', ')})
  ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET
  ${measureColumns.map((column) => `${column} = ${buildRollupAdd(column, column, `excluded.${column}`)}`).join(', ')}`;
}
const upsertSqlByTable = new Map(rollupGrains.map((grain) => [grain.table, buildUpsertSql(grain)]));

/**
 * Adds generation records to the usage rollups: into each record's quarter-hour and UTC-day bucket, per key
 * (migration 0006) and in the barometer (migration 0013). Records of a batch that share a bucket and a table's
 * dimensions are summed first, so it costs at most four prepared upserts per record, far fewer under load, and no
 * reads.
 *
 * `admitApp` bounds the app names each org adds (`createAppNameBudget`); every name is kept without it.
 *
 * It must run inside the transaction that inserted those generation rows, and be given only the records that
 * insert actually added: the generation insert is idempotent by id, so a replayed record is skipped there and
 * never counted twice, and rollups and generations commit or roll back together. A late record simply lands
 * in its own (old) buckets.
 *
 * The buckets are those holding `finishedAtMs`: a generation's tokens are spent, and charged by the ledger,
 * when it finishes, so a period's spend here agrees with the period's charges, and a record only exists once
 * it has finished (bucketing by start would add a long stream's usage to a period already reported).
 */
export function applyToRollups(database: Database, records: readonly GenerationRecord[], admitApp?: AdmitApp): void {
  assert.ok(database.inTransaction, 'applyToRollups must run inside the transaction that inserts the generations');
  for (const { grain, rows } of groupRollupRows(records, admitApp === undefined ? {} : { admitApp })) {
    if (rows.size === 0) continue;
    const upsert = prepareRollupStatement(database, upsertSqlByTable.get(grain.table)!);
    for (const row of rows.values()) upsert.run(...row.key, ...row.measures);
  }
}
