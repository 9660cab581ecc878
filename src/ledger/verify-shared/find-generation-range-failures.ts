import { nanosMax } from '../assert-nanos.js';
import { tokensPerCallMax } from '../../metering/index.js';
import type { InvariantFailures } from './create-invariant-result.js';

/** A generation's counts and costs, each as its driver returns it (tokens a number, costs a bigint). */
export type GenerationAmounts = { readonly id: string } & Readonly<Record<string, number | bigint | null>>;

/** Each checked column of `generations` with its bounds: one call's tokens, one posting's nanos. */
const tokenColumns = [
  ...['tokens_input_total', 'tokens_input_cache_read', 'tokens_input_cache_write'],
  ...['tokens_output_total', 'tokens_output_reasoning'],
].map((column) => ({ column, max: BigInt(tokensPerCallMax) }));
const costColumns = ['cost_nanos', 'upstream_cost_nanos'].map((column) => ({ column, max: nanosMax }));
const checkedColumns = [...tokenColumns, ...costColumns];

/** Generations with any count or cost out of bounds (the bounds are constants, written into the text). */
export const outOfRangeGenerationsSql = `SELECT id, ${checkedColumns.map(({ column }) => column).join(', ')}
  FROM generations WHERE ${checkedColumns.map(({ column, max }) => `${column} < 0 OR ${column} > ${max}`).join(' OR ')}`;

/** INV-7's generation part: each count and cost of each row read, against its bounds, one line per column. */
export function findGenerationRangeFailures(rows: readonly GenerationAmounts[], result: InvariantFailures): void {
  for (const row of rows) {
    for (const { column, max } of checkedColumns) {
      const value = row[column];
      if (value === null || value === undefined) continue;
      const isWhole = typeof value === 'bigint' || Number.isInteger(value);
      if (isWhole && BigInt(value) >= 0n && BigInt(value) <= max) continue;
      result.fail(`generation ${row.id}: ${column} ${String(value)} is outside [0, ${max}]`);
    }
  }
}
