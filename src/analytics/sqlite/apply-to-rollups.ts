import { strict as assert } from 'node:assert';
import type { Database } from 'better-sqlite3';
import type { GenerationRecord } from '../../storage/index.js';
import { groupRollupRows, rollupKeyColumns, rollupMeasureColumns } from '../group-rollup-rows.js';
import { prepareRollupStatement } from './prepare-rollup-statement.js';
import { rollupTables } from './rollup-columns.js';

const keyColumns = rollupKeyColumns;
const measureColumns = rollupMeasureColumns;
const buildUpsertSql = (
  table: string,
): string => `INSERT INTO ${table} (${[...keyColumns, ...measureColumns].join(', ')})
  VALUES (${[...keyColumns, ...measureColumns].map(() => '?').join(', ')})
  ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET
  ${measureColumns.map((column) => `${column} = ${column} + excluded.${column}`).join(', ')}`;
const upsertQuarterHourSql = buildUpsertSql(rollupTables.quarterHour);
const upsertDaySql = buildUpsertSql(rollupTables.day);

/**
 * Adds generation records to the usage rollups: into each record's quarter-hour and UTC-day bucket (see
 * migration 0006 for why both). Records of a batch that share a bucket and dimensions are summed first, so
 * it costs at most two prepared upserts per record, fewer under load, and no reads.
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
export function applyToRollups(database: Database, records: readonly GenerationRecord[]): void {
  assert.ok(database.inTransaction, 'applyToRollups must run inside the transaction that inserts the generations');
  const { quarterHours, days } = groupRollupRows(records);
  const upsertQuarterHour = prepareRollupStatement(database, upsertQuarterHourSql);
  for (const row of quarterHours.values()) upsertQuarterHour.run(...row.key, ...row.measures);
  const upsertDay = prepareRollupStatement(database, upsertDaySql);
  for (const row of days.values()) upsertDay.run(...row.key, ...row.measures);
}
