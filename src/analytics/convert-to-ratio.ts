import { strict as assert } from 'node:assert';

const scale = 10_000n;

/**
 * numerator ÷ denominator as a number rounded to 4 decimals, ties away from zero, computed on the exact
 * integers: shares and growth are reproducible to the last digit, and spend (bigint) never passes through a
 * float before the final, already-rounded ratio.
 */
export function convertToRatio(numerator: bigint, denominator: bigint): number {
  assert.ok(denominator > 0n, 'a ratio needs a positive denominator');
  const scaled = numerator < 0n ? -numerator * scale : numerator * scale;
  const rounded = (2n * scaled + denominator) / (2n * denominator);
  return Number(numerator < 0n ? -rounded : rounded) / Number(scale);
}

/** Share of a total; 0 when the total is 0 (nothing to share). */
export function convertToShare(value: bigint, total: bigint): number {
  return total === 0n ? 0 : convertToRatio(value, total);
}

/** Growth versus the previous value; null when there was none (growth from 0 has no ratio). */
export function convertToGrowth(value: bigint, previousValue: bigint): number | null {
  return previousValue === 0n ? null : convertToRatio(value - previousValue, previousValue);
}
