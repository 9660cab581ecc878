import type { PoolClient } from 'pg';
import { analyticsLimits } from '../../analytics/analytics-limits.js';
import { dayMs } from '../../analytics/civil-date.js';
import { readDimensions, readMeasures } from '../../analytics/sqlite/apply-to-rollups.js';
import { rollupTables } from '../../analytics/sqlite/rollup-columns.js';
import type { GenerationRecord } from '../ports.js';
import { convertToPostgresText } from './postgres-generation-rows.js';

const keyColumns = ['bucket_start_ms', 'model_id', 'author', 'origin', 'provider_id', 'app', 'org_id', 'key_id'];
/** In the order of `readMeasures`. */
const measureColumns = [
  'requests',
  'requests_usage_estimated',
  'requests_usage_unknown',
  'tokens_prompt',
  'tokens_completion',
  'tokens_reasoning',
  'tokens_cached',
  'tokens_total',
  'cost_nanos',
  'upstream_cost_nanos',
];
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

/** A rollup row being built: its key (bucket first) and its measures as exact bigints. */
interface PendingRow {
  readonly id: string;
  readonly key: readonly (number | string)[];
  readonly measures: bigint[];
}

function addToPending(
  pending: Map<string, PendingRow>,
  key: readonly (number | string)[],
  measures: readonly bigint[],
): void {
  const id = JSON.stringify(key);
  const row = pending.get(id);
  if (row === undefined) {
    pending.set(id, { id, key, measures: [...measures] });
    return;
  }
  measures.forEach((value, index) => (row.measures[index] = (row.measures[index] ?? 0n) + value));
}

async function upsertRows(client: PoolClient, sql: string, pending: ReadonlyMap<string, PendingRow>): Promise<void> {
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
  const quarterHours = new Map<string, PendingRow>();
  const days = new Map<string, PendingRow>();
  for (const record of records) {
    const dimensions = readDimensions(record).map((text) => convertToPostgresText(text));
    const measures = readMeasures(record);
    const quarterHourMs =
      Math.floor(record.finishedAtMs / analyticsLimits.rollupBucketMs) * analyticsLimits.rollupBucketMs;
    addToPending(quarterHours, [quarterHourMs, ...dimensions], measures);
    addToPending(days, [Math.floor(record.finishedAtMs / dayMs) * dayMs, ...dimensions], measures);
  }
  await upsertRows(client, upsertSql.quarterHour, quarterHours);
  await upsertRows(client, upsertSql.day, days);
}
